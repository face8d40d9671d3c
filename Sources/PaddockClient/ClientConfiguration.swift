/// How a `Client` retries and how long it waits.
///
/// A call tries the members in turn: the first retry goes at once to the next member, and
/// after every full round over the members the client sleeps an exponential backoff with
/// jitter (`backoffInitialMs`, doubling, at most `backoffMaxMs`, each sleep a random
/// value between half and all of it). A call gives up at `callTimeoutMs` after it began;
/// one attempt waits at most `attemptTimeoutMs` for its whole answer.
public struct ClientConfiguration: Sendable, Equatable {
    /// The most one attempt (connect, send, whole answer) may take, in ms. Default 5 s.
    /// Membership changes and snapshot downloads may take the whole `callTimeoutMs`.
    public var attemptTimeoutMs: Int64 = 5_000
    /// The most one call, retries included, may take, in ms. Default 15 s.
    public var callTimeoutMs: Int64 = 15_000
    /// The most a connection may take to open, in ms. Default 2 s.
    public var connectTimeoutMs: Int64 = 2_000
    /// The first backoff after a round of failed attempts, in ms. Default 50 ms.
    public var backoffInitialMs: Int64 = 50
    /// The longest backoff, in ms. Default 2 s.
    public var backoffMaxMs: Int64 = 2_000
    /// A watch stream with no bytes (not even a heartbeat) for this long is reconnected,
    /// in ms. Default 45 s: three times the server's default heartbeat.
    public var watchIdleTimeoutMs: Int64 = 45_000
    /// The largest answer body read, in bytes (a snapshot may be large). Default 256 MiB.
    public var responseBytesMax: Int = 256 << 20

    /// The defaults above.
    public init() {}

    /// Defaults with the given timeouts.
    public init(attemptTimeoutMs: Int64, callTimeoutMs: Int64) {
        self.attemptTimeoutMs = attemptTimeoutMs
        self.callTimeoutMs = callTimeoutMs
    }
}
