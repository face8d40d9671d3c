import RaftCore

/// A broken safety property, found by a checker during a simulated run.
public struct SafetyViolation: Equatable, Sendable, CustomStringConvertible {
    /// Which property broke.
    public enum Property: String, Sendable, Equatable {
        /// Two leaders in one term (Raft §5.2, Election Safety).
        case electionSafety = "election safety"
        /// Two logs hold different entries under the same index and term (§5.3).
        case logMatching = "log matching"
        /// An index once committed later holds a different entry (§5.4, State Machine Safety).
        case committedEntryChanged = "committed entry changed"
        /// An entry was committed while fewer than a quorum of voters held it durably.
        case committedNotDurable = "committed without a durable quorum"
        /// A leader moved its commit index to an entry of an older term (Raft §5.4.2).
        case commitRule = "commit rule"
        /// A leader lacks an entry committed in an earlier term (§5.4, Leader Completeness).
        case leaderCompleteness = "leader completeness"
        /// Two nodes applied different entries at one index, or a node applied a gap.
        case appliedPrefix = "applied prefix"
        /// An acknowledged proposal was applied zero times or more than once.
        case exactlyOnce = "exactly once"
        /// The client history is not linearizable.
        case linearizability = "linearizability"
        /// No leader or no progress within the liveness phase's bound.
        case liveness = "liveness"
    }

    /// The property that broke.
    public var property: Property
    /// What was seen, with the values involved.
    public var detail: String
    /// The simulated tick at which it was found.
    public var tick: Int

    /// A violation from its parts.
    public init(property: Property, detail: String, tick: Int) {
        self.property = property
        self.detail = detail
        self.tick = tick
    }

    /// `property at tick N: detail`.
    public var description: String { "\(property.rawValue) at tick \(tick): \(detail)" }
}
