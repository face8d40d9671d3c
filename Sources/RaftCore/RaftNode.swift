/// One member of a Raft group as a pure, deterministic state machine (etcd's RawNode shape).
///
/// A node does no I/O and reads no clock. Time enters as `tick()`, peers' messages as
/// `step(_:)`, the application's requests as `propose(_:)`, `proposeConfChange(_:)`,
/// `readIndex(context:)` and `transferLeadership(to:)`. Everything the node wants done comes
/// out as a `Ready` batch, whose doc comment states the persistence contract. Randomness
/// (election timeouts) comes from a generator seeded by `RaftConfig.randomSeed`, so a run is
/// reproducible from its inputs.
///
/// The driver loop:
///
/// ```swift
/// var node = RaftNode(config: RaftConfig(id: NodeID(1), randomSeed: 7),
///                     membership: Membership(voters: [NodeID(1), NodeID(2), NodeID(3)]),
///                     restoring: storage.load())
/// while running {
///     switch await nextEvent() {
///     case .tick: node.tick()
///     case .message(let m): node.step(m)
///     case .write(let data): _ = try? node.propose(data)
///     }
///     if node.hasReady {
///         let ready = node.ready()
///         network.send(ready.messages)                 // may overlap the disk write
///         storage.save(ready.snapshot, ready.entries, ready.hardState)  // fsync
///         network.send(ready.messagesAfterPersist)     // only after the fsync
///         if let s = ready.snapshot { stateMachine.restore(s) }
///         for entry in ready.committedEntries { stateMachine.apply(entry) }
///         for read in ready.readStates { reads.release(read) }  // once applied >= read.index
///         node.advance(ready)
///     }
/// }
/// ```
///
/// Invariants: a node holds at most one vote per term; its term never falls; a leader never
/// overwrites its own log; only entries of the leader's current term commit by counting
/// replicas (Raft §5.4.2). Violations stop the process with `precondition`; a follower told
/// to commit beyond its durable log (its disk lost acknowledged entries) stops too.
///
/// Decisions worth knowing:
/// - A membership change takes effect on each member when it commits (as in etcd), not when
///   it is appended; one change at a time keeps any two majorities overlapping.
/// - Proposals are not forwarded: a follower refuses with `notLeader` and the leader's id,
///   and the caller redirects. Reads are forwarded (`readIndex(context:)`).
/// - Requests in flight when leadership changes are dropped without an answer; callers time
///   out and retry (with an idempotency key for writes).
/// - The node keeps its log after the last snapshot in memory and sends snapshots from the
///   latest one it holds, so `compact(snapshotData:through:)` bounds its memory.
public struct RaftNode: Sendable {
    // MARK: Configuration

    /// The configuration the node was created with.
    public let config: RaftConfig
    var random: SplitMix64

    // MARK: Persistent state (Raft Figure 2)

    /// The latest term this node has seen.
    public internal(set) var term: Term
    /// The candidate this node voted for in `term`.
    public internal(set) var vote: NodeID?
    var log: RaftLog

    // MARK: Volatile state

    /// The node's role.
    public internal(set) var role: RaftRole = .follower
    /// The leader of `term` as far as this node knows.
    public internal(set) var leader: NodeID?
    /// The current membership: the base plus every committed change.
    public internal(set) var membership: Membership
    /// The membership in force at the snapshot index.
    var baseMembership: Membership
    /// Committed membership changes after the snapshot index, in index order.
    var membershipHistory: [(index: LogIndex, membership: Membership)] = []
    /// The latest snapshot (taken here or received), kept to send to lagging followers.
    var latestSnapshot: Snapshot?
    /// The snapshot a follower is assembling from a leader's chunks.
    var incomingSnapshot: Snapshot?

    var electionElapsed = 0
    var heartbeatElapsed = 0
    var randomizedElectionTimeout = 0
    /// Votes received in the current (pre-)election: granted or not, per voter.
    var votes: [NodeID: Bool] = [:]

    // MARK: Leader state

    var progress: [NodeID: Progress] = [:]
    /// The member leadership is being handed to, if any (thesis §3.10).
    public internal(set) var leadTransferee: NodeID?
    /// The index of the last membership change in the log; another waits until it commits.
    var pendingConfIndex: LogIndex = .zero
    /// Payload bytes of this term's entries appended and not yet committed.
    var uncommittedBytes = 0
    /// Linearizable reads waiting for leadership confirmation.
    var reads = ReadIndexQueue()

    // MARK: Output

    var messages: [Message] = []
    var messagesAfterPersist: [Message] = []
    var readStates: [ReadState] = []
    var previousHardState: HardState
    var previousSoftState: SoftState
    var awaitingAdvance = false

    /// A node restarting from `state` (or starting empty).
    ///
    /// `membership` is the group a brand-new cluster starts with; a snapshot in `state`
    /// overrides it, and committed membership changes in the stored log are replayed on top.
    public init(config: RaftConfig, membership: Membership, restoring state: PersistentState = PersistentState()) {
        config.validate()
        self.config = config
        self.random = SplitMix64(seed: config.randomSeed)
        self.term = state.hardState.term
        self.vote = state.hardState.vote
        self.log = RaftLog(snapshot: state.snapshot?.metadata, entries: state.entries, committed: state.hardState.commit)
        self.baseMembership = state.snapshot?.metadata.membership ?? membership
        self.membership = baseMembership
        self.latestSnapshot = state.snapshot
        self.previousHardState = state.hardState
        self.previousSoftState = SoftState(role: .follower, leader: nil)
        replayMembershipChanges(through: log.committed)
        becomeFollower(term: state.hardState.term, leader: nil)
    }

    // MARK: Inputs

    /// Advances the node's clock by one tick: followers may start an election, leaders send
    /// heartbeats and check that a quorum is still with them.
    public mutating func tick() {
        if role == .leader { tickLeader() } else { tickElection() }
    }

    /// Starts an election now (through PreVote when enabled), as if the timeout had fired.
    /// Does nothing on a leader, a learner or a removed member.
    public mutating func campaign() {
        guard role != .leader, isPromotable else { return }
        startElection(config.preVote ? .preElection : .election)
    }

    /// Appends `data` to the log if this node is the leader, and returns its position; the
    /// entry is committed once `Ready.committedEntries` hands it out. If an entry of another
    /// term is committed at that index instead, the proposal was lost in a leader change.
    ///
    /// - Throws: `ProposalError` with `notLeader`/`noLeader`, `transferInProgress` or
    ///   `uncommittedBytesExceeded`; the caller retries later or at the leader.
    @discardableResult
    public mutating func propose(_ data: [UInt8]) throws(ProposalError) -> EntryPosition {
        try checkCanPropose()
        try checkUncommittedBytes(data.count)
        return appendAsLeader(kind: .normal, data: data)
    }

    /// Proposes one membership change; it takes effect on each member when it commits.
    ///
    /// - Throws: `ProposalError` as `propose`, plus `leaderNotReady` before the leader has
    ///   committed an entry of its term, `configChangePending` while another change is
    ///   uncommitted, and `invalidConfChange` when it does not apply to the membership.
    @discardableResult
    public mutating func proposeConfChange(_ change: ConfChange) throws(ProposalError) -> EntryPosition {
        try checkCanPropose()
        guard committedInCurrentTerm else {
            throw ProposalError(code: .leaderNotReady, message: "the leader has not committed an entry of term \(term)", leader: leader)
        }
        guard pendingConfIndex <= log.committed else {
            throw ProposalError(code: .configChangePending, message: "membership change at \(pendingConfIndex) is not committed yet", leader: leader)
        }
        guard membership.applying(change) != nil else {
            throw ProposalError(code: .invalidConfChange, message: "\(change) does not apply to \(membership)", leader: leader)
        }
        let position = appendAsLeader(kind: .configChange, data: change.encoded)
        pendingConfIndex = position.index
        return position
    }

    /// Whether there is anything for the driver to do.
    public var hasReady: Bool {
        currentHardState != previousHardState || log.hasUnstableEntries || log.pendingSnapshot != nil
            || !messages.isEmpty || !messagesAfterPersist.isEmpty || log.hasNextCommittedEntries
            || !readStates.isEmpty || currentSoftState != previousSoftState
    }

    /// Takes the work accumulated since the last `advance`; see `Ready` for the contract.
    /// Call `advance(_:)` with the result before the next `ready()`.
    public mutating func ready() -> Ready {
        precondition(!awaitingAdvance, "ready() called twice without advance()")
        awaitingAdvance = true
        let hardState = currentHardState
        let softState = currentSoftState
        let result = Ready(
            hardState: hardState == previousHardState ? nil : hardState,
            entries: log.unstableEntries,
            snapshot: log.pendingSnapshot,
            messages: messages,
            messagesAfterPersist: messagesAfterPersist,
            committedEntries: log.nextCommittedEntries,
            readStates: readStates,
            softState: softState == previousSoftState ? nil : softState)
        messages = []
        messagesAfterPersist = []
        readStates = []
        previousSoftState = softState
        return result
    }

    /// Tells the node that `ready` has been carried out: its state is durable, its messages
    /// handed to the network, its snapshot installed and its committed entries applied.
    public mutating func advance(_ ready: Ready) {
        precondition(awaitingAdvance, "advance() without ready()")
        awaitingAdvance = false
        if let hardState = ready.hardState { previousHardState = hardState }
        if let snapshot = ready.snapshot {
            log.snapshotInstalled(snapshot.metadata)
            latestSnapshot = snapshot
        }
        if let last = ready.entries.last { log.stable(to: last.index, term: last.term) }
        if let last = ready.committedEntries.last {
            precondition(last.index > log.applied, "applied \(last.index) not beyond \(log.applied)")
            log.applied = last.index
        }
        if role == .leader {
            // Thesis §10.2.1: the leader counts its own copy only once it is durable.
            if progress[config.id] != nil, progress[config.id]!.maybeUpdate(log.stableIndex) {
                maybeCommitAndBroadcast()
            }
        }
    }

    /// Hands the core a snapshot of the state machine as of `index` (at most the applied
    /// index) and drops the log up to it. The application stores `data` durably first.
    public mutating func compact(snapshotData data: [UInt8], through index: LogIndex) {
        guard index > log.snapshotIndex else { return }
        precondition(index <= log.applied, "compacting through \(index) beyond applied \(log.applied)")
        let metadata = SnapshotMetadata(index: index, term: log.term(at: index)!, membership: membership(at: index))
        log.compact(through: index)
        latestSnapshot = Snapshot(metadata: metadata, data: data)
        baseMembership = metadata.membership
        membershipHistory.removeAll { $0.index <= index }
    }

    // MARK: Views

    /// The hard state as it stands, durable or not.
    public var currentHardState: HardState { HardState(term: term, vote: vote, commit: log.committed) }

    /// The role and leader as they stand.
    public var currentSoftState: SoftState { SoftState(role: role, leader: leader) }

    /// The highest index known committed.
    public var commitIndex: LogIndex { log.committed }

    /// The highest index applied by the state machine (as acknowledged through `advance`).
    public var appliedIndex: LogIndex { log.applied }

    /// The index of the last entry in the log.
    public var lastIndex: LogIndex { log.lastIndex }

    /// A full view of the node for status pages, tests and the simulator's checkers.
    public var status: RaftStatus {
        var peers: [PeerProgress] = []
        if role == .leader {
            for id in progress.keys.sorted() {
                let pr = progress[id]!
                peers.append(PeerProgress(id: id, match: pr.match, next: pr.next, state: pr.state, isLearner: membership.isLearner(id)))
            }
        }
        return RaftStatus(
            id: config.id, term: term, vote: vote, role: role, leader: leader,
            commit: log.committed, applied: log.applied, lastIndex: log.lastIndex, lastTerm: log.lastTerm,
            snapshotIndex: log.snapshotIndex, membership: membership, leadTransferee: leadTransferee, progress: peers)
    }

    /// The entries this node holds from `index` through its last, for checkers and tests;
    /// nil when `index` is compacted away.
    public func logEntries(from index: LogIndex) -> [LogEntry]? {
        guard index > log.snapshotIndex else { return nil }
        return index > log.lastIndex ? [] : Array(log.slice(index, through: log.lastIndex))
    }

    /// The term of the entry at `index`, or nil when it is compacted away or beyond the log.
    public func term(at index: LogIndex) -> Term? { log.term(at: index) }
}
