/// The totals of many simulated runs, for `paddock simulate --seeds N` and the soak script.
public struct SimulationSummary: Sendable, Equatable {
    /// Runs done.
    public var seeds = 0
    /// Events over all runs.
    public var events = 0
    /// Client operations over all runs.
    public var operations = 0
    /// Runs that found a violation, with what they found, in seed order.
    public var failures: [SimulationOutcome] = []
    /// Runs whose history the linearizability search could not finish within its budget.
    public var linearizabilityUnknown = 0
    /// Rare states over all runs.
    public var rareStates = RareStateCounts()

    /// Nothing yet.
    public init() {}

    /// Adds one run.
    public mutating func add(_ outcome: SimulationOutcome) {
        seeds += 1
        events += outcome.events
        operations += outcome.operations
        rareStates.add(outcome.rareStates)
        if outcome.linearizabilityUnknown { linearizabilityUnknown += 1 }
        if outcome.violation != nil { failures.append(outcome) }
    }

    /// One line: counts, speed over `elapsedSeconds`, violations, rare states.
    public func line(elapsedSeconds: Double) -> String {
        let seconds = max(elapsedSeconds, 0.001)
        let seedsPerSecond = Double(seeds) / seconds
        let eventsPerSecond = Double(events) / seconds
        return "seeds=\(seeds) events=\(events) operations=\(operations) "
            + "seeds/s=\(formatted(seedsPerSecond)) events/s=\(formatted(eventsPerSecond)) "
            + "violations=\(failures.count) unchecked-histories=\(linearizabilityUnknown) rare: \(rareStates)"
    }

    private func formatted(_ value: Double) -> String {
        let tenths = Int(value * 10 + 0.5)
        return "\(tenths / 10).\(tenths % 10)"
    }
}
