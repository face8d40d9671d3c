import RaftCore

/// One simulated cluster member: its Raft node (absent while crashed), its disk, its state
/// machine, and the `Ready` batch whose disk write is in progress.
struct SimulatedMember: Sendable {
    /// The member's identity.
    let id: NodeID
    /// The running node, or nil while the member is down.
    var raft: RaftNode?
    /// What the member has written; survives a crash only as far as synced.
    var disk = SimulatedDisk<Snapshot>()
    /// The state machine, rebuilt from the snapshot on restart.
    var machine: KeyValueStateMachine
    /// The batch being made durable and the tick its write completes.
    var persisting: (ready: Ready, doneTick: Int)?
    /// The membership as of the applied index (the snapshot's, then each applied change).
    var appliedMembership: Membership
    /// The index of the latest snapshot taken or installed.
    var snapshotIndex = LogIndex.zero
    /// Reads released by Raft and waiting for the state machine to reach their index.
    var waitingReads: [ReadState] = []
    /// The voters this member's Raft node knew at the end of its previous event: the
    /// configuration a leader's commit decision in the next event was made under.
    var votersSeen: [NodeID] = []
    /// The commit index this member's node had at the end of its previous event.
    var commitSeen = LogIndex.zero
    /// What the checkers last saw of this member (term, role, commit, last entry); when an
    /// event changes none of it, the checkers have nothing new to look at.
    var observed: ObservedSummary?
    /// How many times the member has started, to vary its random seed per boot.
    var boots = 0

    /// A member that has not started yet.
    init(id: NodeID, keyCount: Int, membership: Membership) {
        self.id = id
        self.machine = KeyValueStateMachine(keyCount: keyCount)
        self.appliedMembership = membership
    }

    /// Whether the member is running.
    var isUp: Bool { raft != nil }

    /// Whether the member is up and leads.
    var isLeader: Bool { raft?.role == .leader }
}

/// The parts of a node's state that the checkers react to.
struct ObservedSummary: Equatable, Sendable {
    var term: Term
    var role: RaftRole
    var commit: LogIndex
    var lastIndex: LogIndex
    var lastTerm: Term?
}
