/// How a replicated member runs: who it is, who its peers are, and its timings.
public struct ClusterOptions: Sendable {
    /// The id every member of the cluster shares; peers with another id are refused.
    public var clusterID: String
    /// This member's name.
    public var selfName: MemberName
    /// Every member at bootstrap, this one included: name → peer address (`host:port`).
    public var peers: [MemberName: String]
    /// True for a member being added to a running cluster: it does not bootstrap the
    /// membership from `peers` and waits to be added as a learner.
    public var joining: Bool
    /// One Raft tick, in ms.
    public var tickMs: Int = 50
    /// The election timeout, in ms (rounded to ticks; elections draw it from [t, 2t)).
    public var electionTimeoutMs: Int = 1_000
    /// The leader's heartbeat interval, in ms (rounded to ticks).
    public var heartbeatIntervalMs: Int = 100
    /// How long a request waits for a leader, a forwarded answer or a read round before
    /// it is answered `Unavailable`, in ms.
    public var requestWaitMs: Int64 = 10_000
    /// Storage, snapshot and admission options shared with the single-node member.
    public var replica: ReplicaOptions

    /// Options with the documented defaults.
    public init(
        clusterID: String, selfName: MemberName, peers: [MemberName: String], joining: Bool = false,
        replica: ReplicaOptions = ReplicaOptions()
    ) {
        self.clusterID = clusterID
        self.selfName = selfName
        self.peers = peers
        self.joining = joining
        self.replica = replica
    }

    var electionTimeoutTicks: Int { max(2, electionTimeoutMs / max(1, tickMs)) }
    var heartbeatIntervalTicks: Int { max(1, min(electionTimeoutTicks - 1, heartbeatIntervalMs / max(1, tickMs))) }
}
