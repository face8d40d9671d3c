import Testing
@testable import PaddockSimulation

/// Runs a few hundred seeds of the full simulation in the default suite.
@Suite struct SimulationSeedTests {
    /// 288 seeds in chunks, so the runner can spread them over cores.
    @Test(arguments: 0..<8)
    func seedsHaveNoViolation(_ chunk: Int) {
        var summary = SimulationSummary()
        for offset in 0..<36 {
            let seed = UInt64(chunk * 36 + offset + 1)
            var simulation = Simulation(seed: seed)
            let outcome = simulation.run()
            #expect(outcome.violation == nil, "seed \(seed): \(String(describing: outcome.violation)); replay with paddock simulate --seed \(seed)")
            summary.add(outcome)
        }
        #expect(summary.seeds == 36)
        #expect(summary.operations > 36 * 10, "the workload ran: \(summary.operations) operations")
    }

    @Test func fiveVotersHaveNoViolation() {
        var options = SimulationOptions()
        options.voterCount = 5
        for seed in UInt64(1_001)...1_016 {
            var simulation = Simulation(seed: seed, options: options)
            let outcome = simulation.run()
            #expect(outcome.violation == nil, "seed \(seed) with 5 voters: \(String(describing: outcome.violation))")
            #expect(outcome.acknowledged > 0)
        }
    }

    @Test func aSeedReplaysExactly() {
        var first = Simulation(seed: 42)
        var second = Simulation(seed: 42)
        let a = first.run()
        let b = second.run()
        #expect(a == b)
        #expect(a.events > 1_000)
        var other = Simulation(seed: 43)
        #expect(other.run().events != a.events)
    }

    @Test func rareStatesAreReached() {
        var summary = SimulationSummary()
        for seed in UInt64(1)...40 {
            var simulation = Simulation(seed: seed)
            summary.add(simulation.run())
        }
        #expect(summary.rareStates.leaderWithOlderTermUncommitted > 0)
        #expect(summary.rareStates.splitVote > 0)
        #expect(summary.rareStates.readDuringPartition > 0)
        #expect(summary.rareStates.snapshotToDivergentFollower > 0)
    }
}
