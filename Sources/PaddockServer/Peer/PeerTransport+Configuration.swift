extension PeerTransport {
    /// Who this member is on the peer network and the bounds the transport keeps.
    ///
    /// Invariants (checked by `validate()`): `clusterID` is not empty,
    /// `0 < reconnectBackoffMinMs <= reconnectBackoffMaxMs`, `connectTimeoutMs > 0`,
    /// `helloTimeoutMs > 0`, `0 < sendStallTimeoutMs <= Int32.max`,
    /// `frameBytesMax >= frameBytesFloor` (room for a 1 MiB snapshot chunk or entry with its
    /// headers), `outboundQueueBytesMax >= frameBytesMax`, and the listen port is 0...65535.
    public struct Configuration: Sendable, Equatable {
        /// The operator-given cluster id; connections from other clusters are refused.
        public var clusterID: String
        /// This member's name, announced in every hello.
        public var selfName: MemberName
        /// This member's HTTP address (`host:port`), announced in every hello.
        public var httpAddress: String
        /// The host to listen on for peers.
        public var listenHost: String
        /// The port to listen on for peers; 0 picks a free one (see `PeerTransport.port`).
        public var listenPort: Int
        /// The largest frame accepted or sent, in bytes after the length prefix (default
        /// 8 MiB). A peer sending a larger length is disconnected; a larger outgoing frame
        /// is dropped and logged.
        public var frameBytesMax: Int = PeerCodec.frameBytesMaxDefault
        /// The first wait before dialing a peer again, in ms (default 50).
        public var reconnectBackoffMinMs: Int64 = 50
        /// The longest wait before dialing a peer again, in ms (default 2 s).
        public var reconnectBackoffMaxMs: Int64 = 2_000
        /// How long one dial may take before it counts as failed, in ms (default 1 s).
        public var connectTimeoutMs: Int64 = 1_000
        /// How long bytes written to a peer may stay unacknowledged by its TCP before the
        /// connection is dropped and redialed, in ms (default 30 s; Linux `TCP_USER_TIMEOUT`,
        /// ignored elsewhere). Catches a peer whose machine vanished without a reset. Not
        /// shorter: a live peer stalled on a slow disk with a full receive buffer also
        /// stops acknowledging, and dropping its link throws its queue away.
        public var sendStallTimeoutMs: Int64 = 30_000
        /// How long an accepted connection may take to send its hello, in ms (default 5 s);
        /// past it the connection is closed.
        public var helloTimeoutMs: Int64 = 5_000
        /// The most bytes queued for one peer and not yet written to its socket (default
        /// 64 MiB). Past it frames are dropped; Raft resends what matters.
        public var outboundQueueBytesMax: Int = 64 << 20

        /// The smallest `frameBytesMax` allowed: a 1 MiB payload plus 64 KiB of headers.
        public static let frameBytesFloor = (1 << 20) + (64 << 10)

        /// A configuration with the default limits.
        public init(clusterID: String, selfName: MemberName, httpAddress: String, listenHost: String, listenPort: Int) {
            self.clusterID = clusterID
            self.selfName = selfName
            self.httpAddress = httpAddress
            self.listenHost = listenHost
            self.listenPort = listenPort
        }

        /// Checks the invariants above.
        /// - Throws: `PeerTransportError` `.badConfiguration` naming the first one broken.
        public func validate() throws(PeerTransportError) {
            func fail(_ message: String) -> PeerTransportError {
                PeerTransportError(code: .badConfiguration, message: message)
            }
            guard !clusterID.isEmpty else { throw fail("clusterID is empty") }
            guard reconnectBackoffMinMs > 0, reconnectBackoffMinMs <= reconnectBackoffMaxMs else {
                throw fail("reconnect backoff \(reconnectBackoffMinMs)...\(reconnectBackoffMaxMs) ms is not 0 < min <= max")
            }
            guard connectTimeoutMs > 0 else { throw fail("connectTimeoutMs \(connectTimeoutMs) is not positive") }
            guard sendStallTimeoutMs > 0, sendStallTimeoutMs <= Int64(Int32.max) else {
                throw fail("sendStallTimeoutMs \(sendStallTimeoutMs) is outside 1...\(Int32.max)")
            }
            guard helloTimeoutMs > 0 else { throw fail("helloTimeoutMs \(helloTimeoutMs) is not positive") }
            guard frameBytesMax >= Self.frameBytesFloor, frameBytesMax <= Int(UInt32.max) else {
                throw fail("frameBytesMax \(frameBytesMax) is outside \(Self.frameBytesFloor)...\(UInt32.max)")
            }
            guard outboundQueueBytesMax >= frameBytesMax else {
                throw fail("outboundQueueBytesMax \(outboundQueueBytesMax) is below frameBytesMax \(frameBytesMax)")
            }
            guard (0...65_535).contains(listenPort) else { throw fail("listenPort \(listenPort) is outside 0...65535") }
        }
    }
}

/// Why the peer transport could not start.
public struct PeerTransportError: Error, Sendable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Code: String, Sendable, Equatable {
        /// A configuration value breaks an invariant of `PeerTransport.Configuration`.
        case badConfiguration
        /// The listen address could not be bound.
        case bindFailed
    }

    /// What kind of failure.
    public var code: Code
    /// A human sentence.
    public var message: String
    /// The underlying error, if any.
    public var cause: (any Error & Sendable)?

    /// An error from its parts.
    public init(code: Code, message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// The code, message and cause.
    public var description: String {
        "\(code.rawValue): \(message)" + (cause.map { " (\($0))" } ?? "")
    }
}
