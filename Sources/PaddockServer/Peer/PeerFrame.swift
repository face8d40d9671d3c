import RaftCore

// Placeholder of the transport's frame type, replaced by the peer transport's own file.
public enum PeerFrame: Sendable, Equatable {
    case hello(PeerHello)
    case raft(Message)
    case forward(requestID: UInt64, payload: [UInt8])
    case forwardReply(requestID: UInt64, payload: [UInt8])
}

public struct PeerHello: Sendable, Equatable {
    public var protocolVersion: UInt16
    public var clusterID: String
    public var name: MemberName
    public var httpAddress: String
}
