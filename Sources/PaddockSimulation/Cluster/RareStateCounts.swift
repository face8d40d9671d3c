/// How often a run reached states that are rare but where Raft bugs hide, so a simulator
/// that never reaches them shows it.
public struct RareStateCounts: Sendable, Equatable, CustomStringConvertible {
    /// Events at which a leader held an uncommitted entry of an older term (Figure 8).
    public var leaderWithOlderTermUncommitted = 0
    /// Snapshots sent to a follower whose log disagreed with the leader's.
    public var snapshotToDivergentFollower = 0
    /// Terms in which more than one candidate stood (a split vote is possible).
    public var splitVote = 0
    /// Linearizable reads answered while some link was cut.
    public var readDuringPartition = 0
    /// Leaders crashed while a membership change they proposed was uncommitted.
    public var membershipChangeInterruptedByLeaderCrash = 0

    /// All zero.
    public init() {}

    /// Adds another run's counts.
    public mutating func add(_ other: RareStateCounts) {
        leaderWithOlderTermUncommitted += other.leaderWithOlderTermUncommitted
        snapshotToDivergentFollower += other.snapshotToDivergentFollower
        splitVote += other.splitVote
        readDuringPartition += other.readDuringPartition
        membershipChangeInterruptedByLeaderCrash += other.membershipChangeInterruptedByLeaderCrash
    }

    /// `name=count` pairs in a fixed order.
    public var description: String {
        "older-term-uncommitted=\(leaderWithOlderTermUncommitted) snapshot-to-divergent=\(snapshotToDivergentFollower) "
            + "split-vote=\(splitVote) read-during-partition=\(readDuringPartition) "
            + "membership-change-leader-crash=\(membershipChangeInterruptedByLeaderCrash)"
    }
}
