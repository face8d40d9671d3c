import RaftCore

/// What a replica reports about itself when metrics are scraped.
///
/// Why sampled rather than pushed: term, role, indexes and counts change on every write,
/// while a scrape comes every few seconds; reading them once per scrape costs one short
/// lock instead of a gauge update per entry. The replica owner registers a closure that
/// builds this value with `PaddockMetrics.setSampler(_:)`.
public struct RaftSample: Sendable, Equatable {
    /// The member's current Raft term (always 1 on a single node).
    public var term: Term
    /// The member's role now.
    public var role: MemberRole
    /// The highest log index known to be committed.
    public var commitIndex: LogIndex
    /// The highest log index applied to the tree. Invariant: `appliedIndex <= commitIndex`
    /// whenever both come from one consistent read.
    public var appliedIndex: LogIndex
    /// Sessions open in the applied tree.
    public var sessions: Int
    /// Znodes in the applied tree, the root included.
    public var znodes: Int

    /// A sample from its parts.
    public init(term: Term, role: MemberRole, commitIndex: LogIndex, appliedIndex: LogIndex, sessions: Int, znodes: Int) {
        self.term = term
        self.role = role
        self.commitIndex = commitIndex
        self.appliedIndex = appliedIndex
        self.sessions = sessions
        self.znodes = znodes
    }
}

/// A member's role, as the `role` label of `paddock_raft_role`.
///
/// Wider than RaftCore's `RaftRole`: it also names learners (non-voting, which RaftCore
/// runs as followers) and a member without peers.
public enum MemberRole: String, Sendable, CaseIterable {
    /// Leads the cluster: takes proposals and replicates them.
    case leader
    /// Follows a leader (or waits for one).
    case follower
    /// Asks for votes in an election.
    case candidate
    /// Receives the log without voting.
    case learner
    /// A member alone, without Raft peers: its own leader from the start.
    case single

    /// The role of a Raft member in `role`; a learner is `learner` whatever RaftCore says,
    /// and a pre-candidate counts as `candidate` (it is campaigning, without a new term).
    public init(_ role: RaftRole, isLearner: Bool) {
        if isLearner {
            self = .learner
            return
        }
        switch role {
        case .leader: self = .leader
        case .follower: self = .follower
        case .candidate, .preCandidate: self = .candidate
        }
    }
}

/// What became of one proposal, as the `result` label of `paddock_proposals_total`.
public enum ProposalResult: String, Sendable, CaseIterable {
    /// Committed and applied with a success result.
    case committed
    /// Committed and applied, but the tree answered a domain failure (NoNode, BadVersion...).
    case failed
    /// Not taken into the log: the member was overloaded, not serving, or the entry was
    /// too large (an operating error was thrown).
    case refused
}
