/// A read-only view of a node, for status pages, tests and checkers.
public struct RaftStatus: Sendable, Equatable, CustomStringConvertible {
    /// The node.
    public var id: NodeID
    /// Its current term.
    public var term: Term
    /// Its vote in `term`.
    public var vote: NodeID?
    /// Its role.
    public var role: RaftRole
    /// The leader it knows.
    public var leader: NodeID?
    /// Its commit index.
    public var commit: LogIndex
    /// Its applied index.
    public var applied: LogIndex
    /// The index of its last entry.
    public var lastIndex: LogIndex
    /// The term of its last entry.
    public var lastTerm: Term
    /// The last index folded into its snapshot.
    public var snapshotIndex: LogIndex
    /// Its membership.
    public var membership: Membership
    /// The member it is handing leadership to, if any.
    public var leadTransferee: NodeID?
    /// On a leader, its view of every member (itself included), sorted by id; else empty.
    public var progress: [PeerProgress]

    /// A status from its parts.
    public init(
        id: NodeID, term: Term, vote: NodeID?, role: RaftRole, leader: NodeID?, commit: LogIndex,
        applied: LogIndex, lastIndex: LogIndex, lastTerm: Term, snapshotIndex: LogIndex,
        membership: Membership, leadTransferee: NodeID?, progress: [PeerProgress]
    ) {
        self.id = id
        self.term = term
        self.vote = vote
        self.role = role
        self.leader = leader
        self.commit = commit
        self.applied = applied
        self.lastIndex = lastIndex
        self.lastTerm = lastTerm
        self.snapshotIndex = snapshotIndex
        self.membership = membership
        self.leadTransferee = leadTransferee
        self.progress = progress
    }

    /// `n1 leader term=2 vote=n1 leader=n1 last=5@2 commit=5 applied=5 voters=[n1,n2,n3]`.
    public var description: String {
        var s = "\(id) \(role.rawValue) term=\(term) vote=\(vote.map(\.description) ?? "-")"
        s += " leader=\(leader.map(\.description) ?? "-") last=\(lastIndex)@\(lastTerm)"
        s += " commit=\(commit) applied=\(applied)"
        if snapshotIndex > .zero { s += " snapshot=\(snapshotIndex)" }
        s += " \(membership)"
        if let t = leadTransferee { s += " transferring-to=\(t)" }
        return s
    }
}
