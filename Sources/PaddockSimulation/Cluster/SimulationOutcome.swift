/// What one simulated run found.
public struct SimulationOutcome: Sendable, Equatable {
    /// The seed that replays this run exactly.
    public var seed: UInt64
    /// The first broken property, or nil when the run was clean.
    public var violation: SafetyViolation?
    /// Events processed (deliveries, ticks, disk completions, client steps, faults).
    public var events: Int
    /// Client operations recorded in the history.
    public var operations: Int
    /// Operations the clients saw completed.
    public var acknowledged: Int
    /// Rare states reached.
    public var rareStates: RareStateCounts
    /// Whether the linearizability search ran out of budget (the history went unchecked).
    public var linearizabilityUnknown = false

    /// An outcome from its parts.
    public init(seed: UInt64, violation: SafetyViolation?, events: Int, operations: Int, acknowledged: Int, rareStates: RareStateCounts) {
        self.seed = seed
        self.violation = violation
        self.events = events
        self.operations = operations
        self.acknowledged = acknowledged
        self.rareStates = rareStates
    }
}
