@testable import PaddockServer
import RaftCore

/// Frames with every field set, shared by the codec, fuzz and transport tests.
enum PeerFrameSamples {
    static let n1 = MemberName("n1")!
    static let n2 = MemberName("n2")!

    /// A membership with voters and learners, ids chosen to need all 8 bytes.
    static let membership = Membership(
        voters: [NodeID(0xFFFF_FFFF_FFFF_FFF1), NodeID(2), NodeID(0x0123_4567_89AB_CDEF)],
        learners: [NodeID(7), NodeID(0x8000_0000_0000_0000)])

    /// A message of `kind` with every field set to something other than its default.
    static func fullMessage(_ kind: MessageKind, entryBytes: Int = 3, chunkBytes: Int = 5) -> Message {
        Message(
            kind: kind, from: n1.nodeID, to: n2.nodeID, term: Term(UInt64.max), logTerm: Term(127),
            index: LogIndex(128), entries: [
                LogEntry(term: Term(1), index: LogIndex(129), kind: .normal, data: []),
                LogEntry(term: Term(300), index: LogIndex(130), kind: .configChange, data: ConfChange.addLearner(NodeID(9)).encoded),
                LogEntry(term: Term(300), index: LogIndex(131), data: (0..<entryBytes).map { UInt8(truncatingIfNeeded: $0 &* 31) }),
            ],
            commit: LogIndex(1 << 40), reject: true, hintIndex: LogIndex(16_383), hintTerm: Term(16_384),
            snapshotChunk: SnapshotChunk(
                metadata: SnapshotMetadata(index: LogIndex(99), term: Term(3), membership: membership),
                offsetBytes: 65_536, data: (0..<chunkBytes).map { UInt8(truncatingIfNeeded: $0) }, isLast: true),
            readRound: 42, context: Array("ctx-ü".utf8), leadershipTransfer: true)
    }

    /// Small frames of every kind (for truncation and bit-flip fuzzing).
    static var small: [PeerFrame] {
        var frames: [PeerFrame] = [
            .hello(PeerHello(clusterID: "prod-ü", name: n1, httpAddress: "10.0.0.1:8080")),
            .forward(requestID: 0, payload: []),
            .forward(requestID: UInt64.max, payload: [1, 2, 3]),
            .forwardReply(requestID: 300, payload: Array("ok".utf8)),
            .raft(Message(kind: .heartbeat, from: NodeID(1), to: NodeID(2), term: Term(1))),
        ]
        frames += MessageKind.allCases.map { .raft(fullMessage($0)) }
        var notLast = fullMessage(.installSnapshot)
        notLast.snapshotChunk?.isLast = false
        notLast.reject = false
        frames.append(.raft(notLast))
        return frames
    }
}
