import Testing
@testable import RaftCore

/// Flow control of a leader: byte-limited batches, the in-flight window, transfer timeouts.
@Suite struct ReplicationFlowTests {
    static let n1 = NodeID(1), n2 = NodeID(2)

    /// A leader of {1,2} whose follower 2 is in the replicate state at index 1.
    static func leader(bytesMax: Int = 1 << 20, inflightMax: Int = 256) -> RaftNode {
        let config = RaftConfig(id: n1, messageBytesMax: bytesMax, inflightMessagesMax: inflightMax, randomSeed: 1)
        var node = RaftNode(config: config, membership: Membership(voters: [n1, n2]))
        node.campaign()
        node.step(Message(kind: .preVoteResponse, from: n2, to: n1, term: Term(1)))
        node.step(Message(kind: .voteResponse, from: n2, to: n1, term: Term(1)))
        precondition(node.role == .leader, "setup: \(node.status)")
        node.step(Message(kind: .appendResponse, from: n2, to: n1, term: Term(1), index: LogIndex(1)))
        node.advance(node.ready())
        return node
    }

    static func appends(_ rd: Ready) -> [Message] { rd.messages.filter { $0.kind == .append } }

    static func ack(_ node: inout RaftNode, _ index: UInt64) -> [[Int]] {
        node.step(Message(kind: .appendResponse, from: n2, to: n1, term: Term(1), index: LogIndex(index)))
        let rd = node.ready()
        node.advance(rd)
        return appends(rd).filter { !$0.entries.isEmpty }.map { $0.entries.map(\.data.count) }
    }

    @Test func batchesRespectTheByteLimitButCarryAtLeastOneEntry() throws {
        var node = Self.leader(bytesMax: 10, inflightMax: 1)
        for size in [4, 4, 4, 30, 1] { try node.propose(Array(repeating: 7, count: size)) }
        let rd = node.ready()
        node.advance(rd)
        #expect(Self.appends(rd).filter { !$0.entries.isEmpty }.map { $0.entries.map(\.data.count) } == [[4]])
        #expect(Self.ack(&node, 2) == [[4, 4]], "two entries fit in 10 bytes, a third does not")
        #expect(Self.ack(&node, 4) == [[30]], "an entry over the limit still goes, alone")
        #expect(Self.ack(&node, 5) == [[1]])
        #expect(Self.ack(&node, 6) == [])
    }

    @Test func inflightWindowPausesAndResumes() throws {
        var node = Self.leader(inflightMax: 2)
        for i in 0..<4 { try node.propose([UInt8(i)]) }
        let rd = node.ready()
        node.advance(rd)
        #expect(Self.appends(rd).filter { !$0.entries.isEmpty }.map { $0.entries.map(\.index.rawValue) } == [[2], [3]],
                "two appends fill the window")
        #expect(Self.ack(&node, 2) == [[1, 1]], "one freed slot carries everything pending")
        try node.propose([9])
        let held = node.ready()
        node.advance(held)
        #expect(Self.appends(held).allSatisfy { $0.entries.isEmpty }, "a full window holds new entries back")
        #expect(Self.ack(&node, 3) == [[1]])
        #expect(node.status.progress.first { $0.id == Self.n2 }?.state == .replicate)
    }

    @Test func rejectionProbesFromTheHint() {
        let config = RaftConfig(id: Self.n1, randomSeed: 1)
        let entries = (1...3).map { LogEntry(term: Term(1), index: LogIndex(UInt64($0)), data: []) }
        var node = RaftNode(config: config, membership: Membership(voters: [Self.n1, Self.n2]),
                            restoring: PersistentState(hardState: HardState(term: Term(1)), entries: entries))
        node.campaign()
        node.step(Message(kind: .preVoteResponse, from: Self.n2, to: Self.n1, term: Term(2)))
        node.step(Message(kind: .voteResponse, from: Self.n2, to: Self.n1, term: Term(2)))
        var rd = node.ready()
        node.advance(rd)
        #expect(Self.appends(rd).map(\.index) == [LogIndex(3)], "the first probe follows the leader's last index")
        node.step(Message(kind: .appendResponse, from: Self.n2, to: Self.n1, term: Term(2), index: LogIndex(3),
                          reject: true, hintIndex: LogIndex(1), hintTerm: Term(1)))
        rd = node.ready()
        #expect(Self.appends(rd).map(\.index) == [LogIndex(1)], "the next probe jumps to the hint")
        #expect(node.status.progress.first { $0.id == Self.n2 }?.state == .probe)
    }

    @Test func unfinishedTransferIsAbandonedAfterAnElectionTimeout() throws {
        var node = Self.leader()
        try node.transferLeadership(to: Self.n2)
        #expect(node.leadTransferee == Self.n2)
        #expect(node.ready().messages.contains { $0.kind == .timeoutNow }, "a caught-up target is told at once")
        for _ in 0..<9 {
            node.tick()
            node.step(Message(kind: .heartbeatResponse, from: Self.n2, to: Self.n1, term: Term(1)))
        }
        #expect(throws: ProposalError.self) { try node.propose([1]) }
        node.tick()
        #expect(node.leadTransferee == nil)
        #expect(node.role == .leader)
        _ = try node.propose([1])
    }
}
