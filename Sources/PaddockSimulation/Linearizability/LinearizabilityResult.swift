/// Whether a history is linearizable, or that the search ran out of budget before knowing.
public enum LinearizabilityVerdict: String, Equatable, Sendable {
    /// Some order of the operations respects real time and the model.
    case linearizable
    /// No such order exists.
    case notLinearizable = "not linearizable"
    /// The step budget ran out before the search finished; nothing is known.
    case unknown
}

/// The outcome of a linearizability check, with what it cost.
public struct LinearizabilityResult: Equatable, Sendable {
    /// The answer.
    public var verdict: LinearizabilityVerdict
    /// Search steps used over all parts (each visit to a call or return event is one step).
    public var steps: Int
    /// How many independent parts the model split the history into.
    public var partitionCount: Int
    /// The position (in the model's partition order) of the first part found not
    /// linearizable, or that ran out of budget; `nil` when linearizable.
    public var failingPartition: Int?

    /// A result from its parts.
    public init(verdict: LinearizabilityVerdict, steps: Int, partitionCount: Int, failingPartition: Int?) {
        self.verdict = verdict
        self.steps = steps
        self.partitionCount = partitionCount
        self.failingPartition = failingPartition
    }
}
