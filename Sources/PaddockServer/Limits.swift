import ZNodeTree

/// Every bound a Paddock member enforces, in one place.
///
/// Why one value: a limit scattered through handlers is a limit nobody can find, tune or
/// test. The HTTP layer checks the request-shaped limits before anything is proposed, so a
/// request past a limit is answered with a 4xx or 503 problem+json, changes nothing, and
/// the server keeps serving. The replica reads the session, proposal and TTL limits.
///
/// Invariants (checked by `validate()`): every limit is positive, `sessionTTLMinMs <=
/// sessionTTLMaxMs`, `requestBodyBytesMax` leaves room for the largest data value, and
/// the limits with an upper bound (`dataBytesMax`, `pathBytesMax`, `requestBodyBytesMax`,
/// `idleTimeoutMs`, `proposalWaitMs`, `watchHeartbeatMs`, `watchWaitMsMax`) stay under it, so derived sizes and timer amounts
/// cannot overflow.
public struct Limits: Sendable, Equatable {
    /// Largest znode data value, in bytes (default 1 MiB, ZooKeeper's `jute.maxbuffer`).
    ///
    /// Past it: 413 `TooLarge`, nothing proposed.
    public var dataBytesMax: Int = 1_048_576

    /// Largest znode path, in UTF-8 bytes after percent-decoding (default 1,024, at most
    /// `ZNodeTree.Limits.pathBytesCeiling`, 4,096).
    ///
    /// Past it: 400 `InvalidPath`, nothing proposed. A sequential create counts its
    /// 10-digit suffix: the path plus 10 bytes must fit. Only the HTTP layer enforces this
    /// limit, so changing it never changes how stored entries apply.
    public var pathBytesMax: Int = 1024

    /// Largest request body, in bytes (default `dataBytesMax * 4/3 + 64 KiB`, room for a
    /// base64-encoded maximal value inside JSON).
    ///
    /// Past it: 413 `TooLarge`, refused as soon as `Content-Length` says so (the body is
    /// not read), or while reading a chunked body; the connection is then closed.
    public var requestBodyBytesMax: Int = Limits.requestBodyBytesMax(dataBytesMax: 1_048_576)

    /// Largest total size of the request headers, in bytes (default 16 KiB).
    ///
    /// Past it: 431 `HeaderTooLarge`, then the connection is closed.
    public var requestHeaderBytesMax: Int = 16_384

    /// Largest request line (method, target and version), in bytes (default 8 KiB).
    ///
    /// Past it: 414 `URITooLong`, then the connection is closed.
    public var requestLineBytesMax: Int = 8_192

    /// Most children one `?children` listing returns (default 10,000).
    ///
    /// Past it: 413 `TooLarge` naming the count; list a narrower subtree instead.
    public var childrenListedMax: Int = 10_000

    /// Most operations in one `POST /v1/txn` (default 128).
    ///
    /// Past it: 413 `TooLarge`, nothing proposed.
    public var txnOpsMax: Int = 128

    /// Most sessions open at once on the member (default 100,000).
    ///
    /// Past it: opening a session answers 503 `TooManySessions` with `Retry-After`.
    public var sessionsMax: Int = 100_000

    /// Most client connections open at once (default 10,000).
    ///
    /// Past it: a new connection gets one 503 `TooManyConnections` and is closed.
    public var connectionsMax: Int = 10_000

    /// How long a connection may stay without a request before it is closed, in ms
    /// (default 60 s). A request being served does not count as idle; a request whose
    /// bytes stop arriving for this long is answered 408 `RequestTimeout` and closed.
    public var idleTimeoutMs: Int64 = 60_000

    /// Shortest session TTL a client may ask for, in ms (default 1 s).
    ///
    /// Past it: 400 `BadRequest` naming the allowed range.
    public var sessionTTLMinMs: Int64 = 1_000

    /// Longest session TTL a client may ask for, in ms (default 1 h).
    ///
    /// Past it: 400 `BadRequest` naming the allowed range.
    public var sessionTTLMaxMs: Int64 = 3_600_000

    /// Longest TTL of a `ttl` znode, in ms (default 30 days).
    ///
    /// Past it: 400 `BadArguments`, nothing proposed.
    public var ttlNodeMaxMs: Int64 = 2_592_000_000

    /// How long a write waits for its entry to commit and apply, in ms (default 10 s).
    ///
    /// Past it: 503 `Unavailable` with `Retry-After`; the write may still apply later, so a
    /// client retries with the same `Idempotency-Key`.
    public var proposalWaitMs: Int64 = 10_000

    /// Most proposals waiting to commit at once (default 10,000): the write backpressure.
    ///
    /// Past it: 503 `Unavailable` with `Retry-After`, nothing proposed.
    public var pendingProposalsMax: Int = 10_000

    /// Most events a member keeps in its in-memory watch history (default 100,000).
    ///
    /// Past it the oldest entries' events are dropped (whole entries at a time); a watch
    /// resuming from before the oldest kept zxid gets 410 `Compacted` and recovers with
    /// `?initial`.
    public var watchHistoryEventsMax: Int = 100_000

    /// Most bytes (paths, data and a fixed cost per event) the watch history holds
    /// (default 64 MiB); past it the oldest entries' events are dropped, as above.
    public var watchHistoryBytesMax: Int = 64 * 1_048_576

    /// Most events waiting to be written to one watch stream (default 10,000).
    ///
    /// Past it the consumer is too slow: its stream ends with a final `overflow` event
    /// naming the last zxid delivered, and is closed; the client resumes from that zxid.
    /// A resume's replay from history and an `initial` snapshot do not count: they are
    /// written as the connection takes them.
    public var watchBufferEventsMax: Int = 10_000

    /// Most bytes waiting to be written to one watch stream (default 8 MiB); past it the
    /// stream ends with `overflow`, as above.
    public var watchBufferBytesMax: Int = 8 * 1_048_576

    /// How often an idle watch stream gets a comment line (`: hb`), in ms (default 15 s,
    /// at most one day), so proxies and clients can tell a quiet stream from a dead one.
    public var watchHeartbeatMs: Int64 = 15_000

    /// Most watchers (streams and long-polls) on one member at once (default 100,000).
    ///
    /// Past it: 503 `Unavailable` with `Retry-After`.
    public var watchersMax: Int = 100_000

    /// Longest `wait` a long-poll watch may ask for, in ms (default 5 minutes, at most one
    /// day). Past it: 400 `BadRequest` naming the bound.
    public var watchWaitMsMax: Int64 = 300_000

    /// The most `dataBytesMax` may be (1 GiB).
    public static let dataBytesCeiling = 1 << 30

    /// The most `requestBodyBytesMax` may be (2 GiB); a log entry may be twice this.
    public static let requestBodyBytesCeiling = 1 << 31

    /// The most `idleTimeoutMs` and `proposalWaitMs` may be, in ms (one day); larger
    /// values would overflow a timer in nanoseconds and serve no purpose.
    public static let waitMsCeiling: Int64 = 86_400_000

    /// The documented defaults.
    public init() {}

    /// The defaults.
    public static let `default` = Limits()

    /// The body size that fits a base64 value of `dataBytesMax` bytes inside JSON:
    /// `dataBytesMax * 4/3` rounded up, plus 64 KiB for the JSON around it.
    /// Saturates at `Int.max` rather than overflowing, so that `validate()` can refuse a
    /// too-large `dataBytesMax` instead of the computation trapping.
    public static func requestBodyBytesMax(dataBytesMax: Int) -> Int {
        let (scaled, overflow) = dataBytesMax.multipliedReportingOverflow(by: 4)
        guard !overflow, scaled <= Int.max - 3 * 65_536 - 2 else { return .max }
        return (scaled + 2) / 3 + 65_536
    }

    /// Checks the invariants, for limits taken from flags or a file.
    ///
    /// - Throws: `LimitsError` naming the first field that breaks one.
    public func validate() throws(LimitsError) {
        let positive: [(String, Int64)] = [
            ("dataBytesMax", Int64(dataBytesMax)), ("pathBytesMax", Int64(pathBytesMax)),
            ("requestBodyBytesMax", Int64(requestBodyBytesMax)),
            ("requestHeaderBytesMax", Int64(requestHeaderBytesMax)),
            ("requestLineBytesMax", Int64(requestLineBytesMax)),
            ("childrenListedMax", Int64(childrenListedMax)), ("txnOpsMax", Int64(txnOpsMax)),
            ("sessionsMax", Int64(sessionsMax)), ("connectionsMax", Int64(connectionsMax)),
            ("idleTimeoutMs", idleTimeoutMs), ("sessionTTLMinMs", sessionTTLMinMs),
            ("sessionTTLMaxMs", sessionTTLMaxMs), ("ttlNodeMaxMs", ttlNodeMaxMs),
            ("proposalWaitMs", proposalWaitMs), ("pendingProposalsMax", Int64(pendingProposalsMax)),
            ("watchHistoryEventsMax", Int64(watchHistoryEventsMax)),
            ("watchHistoryBytesMax", Int64(watchHistoryBytesMax)),
            ("watchBufferEventsMax", Int64(watchBufferEventsMax)),
            ("watchBufferBytesMax", Int64(watchBufferBytesMax)), ("watchHeartbeatMs", watchHeartbeatMs),
            ("watchersMax", Int64(watchersMax)), ("watchWaitMsMax", watchWaitMsMax),
        ]
        for (name, value) in positive where value <= 0 {
            throw LimitsError(field: name, message: "\(name) must be positive, got \(value)")
        }
        let bounded: [(String, Int64, Int64)] = [
            ("dataBytesMax", Int64(dataBytesMax), Int64(Self.dataBytesCeiling)),
            ("requestBodyBytesMax", Int64(requestBodyBytesMax), Int64(Self.requestBodyBytesCeiling)),
            ("idleTimeoutMs", idleTimeoutMs, Self.waitMsCeiling),
            ("proposalWaitMs", proposalWaitMs, Self.waitMsCeiling),
            ("watchHeartbeatMs", watchHeartbeatMs, Self.waitMsCeiling),
            ("watchWaitMsMax", watchWaitMsMax, Self.waitMsCeiling),
        ]
        for (name, value, ceiling) in bounded where value > ceiling {
            throw LimitsError(field: name, message: "\(name) must be at most \(ceiling), got \(value)")
        }
        if pathBytesMax > ZNodeTree.Limits.pathBytesCeiling {
            throw LimitsError(
                field: "pathBytesMax",
                message: "pathBytesMax (\(pathBytesMax)) exceeds the hard maximum of \(ZNodeTree.Limits.pathBytesCeiling)")
        }
        if sessionTTLMinMs > sessionTTLMaxMs {
            throw LimitsError(
                field: "sessionTTLMinMs",
                message: "sessionTTLMinMs (\(sessionTTLMinMs)) exceeds sessionTTLMaxMs (\(sessionTTLMaxMs))")
        }
        if requestBodyBytesMax < dataBytesMax {
            throw LimitsError(
                field: "requestBodyBytesMax",
                message: "requestBodyBytesMax (\(requestBodyBytesMax)) is below dataBytesMax (\(dataBytesMax))")
        }
    }
}

/// A `Limits` value that breaks one of its invariants.
public struct LimitsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field at fault.
    public var field: String
    /// What is wrong, with the values.
    public var message: String

    /// An error for `field`.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { message }
}
