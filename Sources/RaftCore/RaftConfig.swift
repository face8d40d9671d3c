/// How one Raft member behaves: its identity, its timeouts in ticks, and every limit it enforces.
///
/// All limits of the consensus core live here, each with its default documented, so that a
/// deployment or the simulator can tighten them in one place.
///
/// Invariants (checked by `validate()` when a node is created):
/// `heartbeatIntervalTicks >= 1`, `electionTimeoutTicks > heartbeatIntervalTicks`,
/// every byte and message limit is positive.
public struct RaftConfig: Sendable, Equatable {
    /// This member's identity; never 0.
    public var id: NodeID
    /// Ticks without hearing from a leader before a follower starts an election; the actual
    /// timeout is drawn uniformly from `[electionTimeoutTicks, 2 * electionTimeoutTicks)` so
    /// that members rarely time out together (Raft §5.2). Default 10.
    public var electionTimeoutTicks: Int
    /// Ticks between a leader's heartbeats. Default 1.
    public var heartbeatIntervalTicks: Int
    /// Whether a member first asks whether it could win before bumping its term (thesis §9.6),
    /// so that a rejoining partitioned member cannot disrupt a healthy cluster. Default true.
    public var preVote: Bool
    /// Whether a leader that has not heard from a quorum for an election timeout steps down,
    /// and whether followers ignore vote requests while they hear from a live leader
    /// (thesis §6.2). Default true.
    public var checkQuorum: Bool
    /// The most entry payload bytes in one append message; a message always carries at least
    /// one entry when one is due. Default 1 MiB.
    public var messageBytesMax: Int
    /// The most append messages in flight to one follower in the replicate state. Default 256.
    public var inflightMessagesMax: Int
    /// The most payload bytes a leader holds appended but not committed; proposals beyond it
    /// are refused with `ProposalError.Code.uncommittedBytesExceeded`. Default 64 MiB.
    public var uncommittedBytesMax: Int
    /// The most snapshot bytes in one InstallSnapshot chunk. Default 64 KiB.
    public var snapshotChunkBytesMax: Int
    /// The seed of the member's private random generator (election timeouts). Two members
    /// with the same seed draw the same timeouts, so give each member its own.
    public var randomSeed: UInt64

    /// A configuration with the documented defaults.
    public init(
        id: NodeID,
        electionTimeoutTicks: Int = 10,
        heartbeatIntervalTicks: Int = 1,
        preVote: Bool = true,
        checkQuorum: Bool = true,
        messageBytesMax: Int = 1 << 20,
        inflightMessagesMax: Int = 256,
        uncommittedBytesMax: Int = 64 << 20,
        snapshotChunkBytesMax: Int = 64 << 10,
        randomSeed: UInt64
    ) {
        self.id = id
        self.electionTimeoutTicks = electionTimeoutTicks
        self.heartbeatIntervalTicks = heartbeatIntervalTicks
        self.preVote = preVote
        self.checkQuorum = checkQuorum
        self.messageBytesMax = messageBytesMax
        self.inflightMessagesMax = inflightMessagesMax
        self.uncommittedBytesMax = uncommittedBytesMax
        self.snapshotChunkBytesMax = snapshotChunkBytesMax
        self.randomSeed = randomSeed
    }

    /// Stops the process when the configuration is impossible; a bad configuration is a bug
    /// of the caller, not an operating error.
    func validate() {
        precondition(id.rawValue != 0, "RaftConfig.id must not be 0")
        precondition(heartbeatIntervalTicks >= 1, "heartbeatIntervalTicks \(heartbeatIntervalTicks) < 1")
        precondition(
            electionTimeoutTicks > heartbeatIntervalTicks,
            "electionTimeoutTicks \(electionTimeoutTicks) <= heartbeatIntervalTicks \(heartbeatIntervalTicks)")
        precondition(messageBytesMax > 0, "messageBytesMax \(messageBytesMax) <= 0")
        precondition(inflightMessagesMax > 0, "inflightMessagesMax \(inflightMessagesMax) <= 0")
        precondition(uncommittedBytesMax > 0, "uncommittedBytesMax \(uncommittedBytesMax) <= 0")
        precondition(snapshotChunkBytesMax > 0, "snapshotChunkBytesMax \(snapshotChunkBytesMax) <= 0")
    }
}
