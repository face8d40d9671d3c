import RaftCore

/// One unit of conversation between Paddock members on a peer connection.
///
/// Why one enum for everything: a member keeps a single outbound connection per peer, so
/// Raft traffic and request forwarding share one ordered stream; the frame says which it is.
/// Invariant: a connection carries exactly one `hello`, as its first frame.
public enum PeerFrame: Sendable, Equatable {
    /// First frame on every connection, from the dialing side.
    case hello(PeerHello)
    /// A Raft message.
    case raft(Message)
    /// An application request to another member (follower to leader forwarding): an opaque
    /// payload, correlated with its answer by `requestID`.
    case forward(requestID: UInt64, payload: [UInt8])
    /// The answer to a `forward` with the same `requestID`.
    case forwardReply(requestID: UInt64, payload: [UInt8])
}

/// Who is dialing: the first frame on every peer connection.
///
/// The accepting member checks `clusterID` and `protocolVersion` before it delivers any
/// other frame of the connection, and attributes every later frame to `name`.
public struct PeerHello: Sendable, Equatable {
    /// The peer protocol the sender speaks (`PeerCodec.protocolVersion`).
    public var protocolVersion: UInt16
    /// The operator-given cluster id; members of different clusters never talk.
    public var clusterID: String
    /// The sender's member name.
    public var name: MemberName
    /// The sender's HTTP address (`host:port`), so members can tell clients where others are.
    public var httpAddress: String

    /// A hello from its parts.
    public init(protocolVersion: UInt16 = PeerCodec.protocolVersion, clusterID: String, name: MemberName, httpAddress: String) {
        self.protocolVersion = protocolVersion
        self.clusterID = clusterID
        self.name = name
        self.httpAddress = httpAddress
    }
}
