/// The knobs of one simulated run; every limit in one place with its default.
public struct SimulationOptions: Sendable, Equatable {
    /// Members at the start, all voters (3 or 5).
    public var voterCount = 3
    /// Extra members that start outside the group and may join as learners.
    public var spareCount = 1
    /// Ticks of the safety phase, with faults on.
    public var safetyTicks = 300
    /// Ticks the liveness phase allows for a leader and a committed write, faults off.
    public var livenessTicksMax = 200
    /// Registers the client workload uses.
    public var keyCount = 3
    /// Concurrent clients.
    public var clientCount = 3
    /// Ticks a client waits for an answer before taking the outcome as unknown.
    public var clientTimeoutTicks = 40
    /// Applied entries between snapshots (and log compaction) on each member.
    public var snapshotIntervalEntries = 6
    /// The longest a disk write takes to become durable, in ticks.
    public var diskLatencyTicksMax = 2
    /// Raft's election timeout, in ticks.
    public var electionTimeoutTicks = 10
    /// Raft's heartbeat interval, in ticks.
    public var heartbeatIntervalTicks = 2

    /// The defaults above.
    public init() {}
}
