import Testing
@testable import RaftCore

/// Unit tests of the term and vote rules of Raft §5.1–§5.4 on a single node fed by hand.
@Suite struct TermAndVoteRuleTests {
    static let n1 = NodeID(1), n2 = NodeID(2), n3 = NodeID(3)

    /// A member of {1,2,3} restored with the given hard state and log (terms of entries 1...).
    static func node(
        _ id: NodeID = n1, term: UInt64 = 0, vote: NodeID? = nil, logTerms: [UInt64] = [],
        preVote: Bool = true, checkQuorum: Bool = true
    ) -> RaftNode {
        let entries = logTerms.enumerated().map { i, t in LogEntry(term: Term(t), index: LogIndex(UInt64(i + 1)), data: []) }
        let config = RaftConfig(id: id, preVote: preVote, checkQuorum: checkQuorum, randomSeed: id.rawValue)
        return RaftNode(
            config: config, membership: Membership(voters: [n1, n2, n3]),
            restoring: PersistentState(hardState: HardState(term: Term(term), vote: vote), entries: entries))
    }

    static func voteRequest(from: NodeID, term: UInt64, lastIndex: UInt64, lastTerm: UInt64, pre: Bool = false) -> Message {
        Message(kind: pre ? .preVote : .vote, from: from, to: n1, term: Term(term),
                logTerm: Term(lastTerm), index: LogIndex(lastIndex))
    }

    /// Drains the node's Ready and returns it, advancing as a driver would.
    static func drain(_ node: inout RaftNode) -> Ready {
        let rd = node.ready()
        node.advance(rd)
        return rd
    }

    static func responses(_ rd: Ready, _ kind: MessageKind) -> [Message] {
        (rd.messages + rd.messagesAfterPersist).filter { $0.kind == kind }
    }

    @Test func higherTermMessageMakesFollowerAndAdoptsTerm() {
        var node = Self.node(term: 3, logTerms: [1])
        node.campaign()
        _ = Self.drain(&node)
        node.step(Message(kind: .append, from: Self.n2, to: Self.n1, term: Term(7), logTerm: Term(1), index: LogIndex(1)))
        #expect(node.term == Term(7))
        #expect(node.role == .follower)
        #expect(node.leader == Self.n2)
        #expect(node.vote == nil)
    }

    @Test func lowerTermAppendIsRefusedWithCurrentTerm() {
        var node = Self.node(term: 5, logTerms: [1])
        node.step(Message(kind: .append, from: Self.n2, to: Self.n1, term: Term(4), logTerm: Term(1), index: LogIndex(1),
                          entries: [LogEntry(term: Term(4), index: LogIndex(2), data: [1])]))
        let rd = Self.drain(&node)
        #expect(node.term == Term(5))
        #expect(node.lastIndex == LogIndex(1), "a stale leader's entries must not be appended")
        let answers = Self.responses(rd, .appendResponse)
        #expect(answers.count == 1)
        #expect(answers.first?.term == Term(5))
    }

    @Test func oneVotePerTerm() {
        var node = Self.node(term: 1, logTerms: [1], checkQuorum: false)
        node.step(Self.voteRequest(from: Self.n2, term: 2, lastIndex: 1, lastTerm: 1))
        var rd = Self.drain(&node)
        #expect(Self.responses(rd, .voteResponse).map(\.reject) == [false])
        #expect(node.vote == Self.n2)
        node.step(Self.voteRequest(from: Self.n3, term: 2, lastIndex: 5, lastTerm: 1))
        rd = Self.drain(&node)
        #expect(Self.responses(rd, .voteResponse).map(\.reject) == [true], "a second candidate in the same term is refused")
        node.step(Self.voteRequest(from: Self.n2, term: 2, lastIndex: 1, lastTerm: 1))
        rd = Self.drain(&node)
        #expect(Self.responses(rd, .voteResponse).map(\.reject) == [false], "a repeated request from the same candidate is granted again")
    }

    /// Raft §5.4.1: the vote goes only to a log at least as up to date.
    @Test(arguments: [
        // (candidate last index, candidate last term, granted) against a voter log [1, 1, 2].
        (UInt64(3), UInt64(2), true),
        (UInt64(2), UInt64(2), false),
        (UInt64(9), UInt64(1), false),
        (UInt64(1), UInt64(3), true),
        (UInt64(0), UInt64(0), false),
    ])
    func voteRequiresUpToDateLog(lastIndex: UInt64, lastTerm: UInt64, granted: Bool) {
        var node = Self.node(term: 2, logTerms: [1, 1, 2], checkQuorum: false)
        node.step(Self.voteRequest(from: Self.n2, term: 3, lastIndex: lastIndex, lastTerm: lastTerm))
        let rd = Self.drain(&node)
        #expect(Self.responses(rd, .voteResponse).map(\.reject) == [!granted])
        #expect(node.vote == (granted ? Self.n2 : nil))
        #expect(node.term == Term(3), "the request's higher term is adopted either way")
    }

    @Test func grantedVoteIsPersistedBeforeItIsSent() {
        var node = Self.node(term: 1, logTerms: [1], checkQuorum: false)
        node.step(Self.voteRequest(from: Self.n2, term: 2, lastIndex: 1, lastTerm: 1))
        let rd = Self.drain(&node)
        #expect(rd.hardState == HardState(term: Term(2), vote: Self.n2, commit: .zero))
        #expect(rd.messages.isEmpty)
        #expect(rd.messagesAfterPersist.map(\.kind) == [.voteResponse])
    }

    @Test func candidateBumpsTermAndVotesForItself() {
        var node = Self.node(term: 4, logTerms: [1, 4], preVote: false)
        node.campaign()
        let rd = Self.drain(&node)
        #expect(node.role == .candidate)
        #expect(rd.hardState?.term == Term(5))
        #expect(rd.hardState?.vote == Self.n1)
        let requests = rd.messagesAfterPersist.filter { $0.kind == .vote }
        #expect(requests.map(\.to) == [Self.n2, Self.n3])
        #expect(requests.allSatisfy { $0.term == Term(5) && $0.index == LogIndex(2) && $0.logTerm == Term(4) })
    }

    @Test func preVoteChangesNeitherTermNorVote() {
        var candidate = Self.node(term: 4, vote: Self.n3, logTerms: [1, 4])
        candidate.campaign()
        let rd = Self.drain(&candidate)
        #expect(candidate.role == .preCandidate)
        #expect(candidate.term == Term(4))
        #expect(candidate.vote == Self.n3)
        #expect(rd.hardState == nil)
        #expect(rd.messagesAfterPersist.filter { $0.kind == .preVote }.allSatisfy { $0.term == Term(5) })

        var voter = Self.node(term: 4, logTerms: [1, 4], checkQuorum: false)
        voter.step(Self.voteRequest(from: Self.n2, term: 5, lastIndex: 2, lastTerm: 4, pre: true))
        let answer = Self.drain(&voter)
        #expect(Self.responses(answer, .preVoteResponse).map(\.reject) == [false])
        #expect(voter.term == Term(4))
        #expect(voter.vote == nil)
    }

    @Test func preVoteWinnerStartsRealElection() {
        var node = Self.node(term: 4, logTerms: [1, 4])
        node.campaign()
        _ = Self.drain(&node)
        node.step(Message(kind: .preVoteResponse, from: Self.n2, to: Self.n1, term: Term(5)))
        #expect(node.role == .candidate)
        #expect(node.term == Term(5))
        #expect(node.vote == Self.n1)
    }

    /// Thesis §4.2.3: a follower that hears from a live leader ignores vote requests, unless
    /// the leader itself asked for the election (leadership transfer).
    @Test(arguments: [false, true])
    func leaseIgnoresVotesUnlessTransfer(transfer: Bool) {
        var node = Self.node(term: 2, logTerms: [1])
        node.step(Message(kind: .heartbeat, from: Self.n2, to: Self.n1, term: Term(2)))
        _ = Self.drain(&node)
        var request = Self.voteRequest(from: Self.n3, term: 3, lastIndex: 1, lastTerm: 1)
        request.leadershipTransfer = transfer
        node.step(request)
        let rd = Self.drain(&node)
        #expect(node.term == Term(transfer ? 3 : 2))
        #expect(Self.responses(rd, .voteResponse).map(\.reject) == (transfer ? [false] : []))
    }

    @Test func restartKeepsTermAndVote() {
        var node = Self.node(term: 5, vote: Self.n2, logTerms: [1], checkQuorum: false)
        node.step(Self.voteRequest(from: Self.n3, term: 5, lastIndex: 1, lastTerm: 1))
        let rd = Self.drain(&node)
        #expect(Self.responses(rd, .voteResponse).map(\.reject) == [true])
        #expect(node.vote == Self.n2)
    }

    /// Raft §5.3: an append whose previous entry does not match is refused with a hint.
    @Test func mismatchedAppendIsRefusedWithHint() {
        var node = Self.node(term: 3, logTerms: [1, 1, 2, 2])
        node.step(Message(kind: .append, from: Self.n2, to: Self.n1, term: Term(3), logTerm: Term(3), index: LogIndex(4)))
        let rd = Self.drain(&node)
        let answer = Self.responses(rd, .appendResponse)
        #expect(answer.count == 1)
        #expect(answer.first?.reject == true)
        #expect(answer.first?.index == LogIndex(4))
        #expect(answer.first?.hintIndex == LogIndex(4))
        #expect(answer.first?.hintTerm == Term(2))
        #expect(node.lastIndex == LogIndex(4))
    }

    @Test func conflictingSuffixIsReplaced() {
        var node = Self.node(term: 3, logTerms: [1, 1, 2, 2])
        let entries = [LogEntry(term: Term(3), index: LogIndex(3), data: [7])]
        node.step(Message(kind: .append, from: Self.n2, to: Self.n1, term: Term(3), logTerm: Term(1), index: LogIndex(2),
                          entries: entries, commit: LogIndex(1)))
        let rd = Self.drain(&node)
        #expect(node.logEntries(from: LogIndex(1))?.map(\.term.rawValue) == [1, 1, 3])
        #expect(rd.entries == entries)
        #expect(Self.responses(rd, .appendResponse).map(\.index) == [LogIndex(3)])
        #expect(node.commitIndex == LogIndex(1))
    }

    /// Thesis §10.2.1: a single-voter leader counts its own entry only once it is durable.
    @Test func leaderCountsItselfOnlyAfterPersisting() throws {
        var node = RaftNode(config: RaftConfig(id: Self.n1, randomSeed: 1), membership: Membership(voters: [Self.n1]))
        node.campaign()
        #expect(node.role == .leader)
        #expect(node.commitIndex == .zero, "the no-op is not durable yet")
        var rd = node.ready()
        #expect(rd.entries.count == 1)
        #expect(rd.committedEntries.isEmpty)
        node.advance(rd)
        #expect(node.commitIndex == LogIndex(1))
        let position = try node.propose([42])
        #expect(position == EntryPosition(term: Term(1), index: LogIndex(2)))
        rd = node.ready()
        #expect(rd.committedEntries.map(\.index) == [LogIndex(1)])
        node.advance(rd)
        rd = node.ready()
        #expect(rd.committedEntries.map(\.data) == [[42]])
        node.advance(rd)
        #expect(node.appliedIndex == LogIndex(2))
    }

    @Test func proposalsAreRefusedWithReasons() {
        var follower = Self.node(term: 1, logTerms: [1])
        #expect(throws: ProposalError.self) { try follower.propose([1]) }
        do {
            try follower.propose([1])
        } catch {
            #expect(error.code == .noLeader)
        }
        follower.step(Message(kind: .heartbeat, from: Self.n2, to: Self.n1, term: Term(1)))
        do {
            try follower.propose([1])
        } catch {
            #expect(error.code == .notLeader)
            #expect(error.leader == Self.n2)
        }
    }

    @Test func uncommittedBytesAreBounded() throws {
        let config = RaftConfig(id: Self.n1, uncommittedBytesMax: 10, randomSeed: 1)
        var node = RaftNode(config: config, membership: Membership(voters: [Self.n1, Self.n2]))
        node.campaign()
        node.step(Message(kind: .preVoteResponse, from: Self.n2, to: Self.n1, term: Term(1)))
        node.step(Message(kind: .voteResponse, from: Self.n2, to: Self.n1, term: Term(1)))
        #expect(node.role == .leader)
        try node.propose(Array(repeating: 0, count: 8))
        do {
            try node.propose(Array(repeating: 0, count: 3))
            Issue.record("an 11th uncommitted byte was accepted")
        } catch {
            #expect(error.code == .uncommittedBytesExceeded)
        }
        try node.propose(Array(repeating: 0, count: 2))
    }
}
