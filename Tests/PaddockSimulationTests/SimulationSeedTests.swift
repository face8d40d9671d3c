import PaddockTestSupport
import Testing
@testable import PaddockSimulation

/// Runs a few hundred seeds of the full simulation in the default suite.
///
/// Each test computes on a thread of its own (`onOwnThread`) and asserts afterwards, so
/// seconds of simulation never hold the cooperative pool that live-server suites need.
@Suite struct SimulationSeedTests {
    /// The outcome of each seed, in order.
    static func run(_ seeds: some Sequence<UInt64> & Sendable, options: SimulationOptions = SimulationOptions())
        async throws -> [(seed: UInt64, outcome: SimulationOutcome)]
    {
        try await onOwnThread {
            seeds.map { seed in
                var simulation = Simulation(seed: seed, options: options)
                return (seed, simulation.run())
            }
        }
    }

    /// 288 seeds in chunks, so the runner can spread them over cores.
    @Test(arguments: 0..<8)
    func seedsHaveNoViolation(_ chunk: Int) async throws {
        let first = UInt64(chunk * 36 + 1)
        var summary = SimulationSummary()
        for (seed, outcome) in try await Self.run(first..<first + 36) {
            #expect(outcome.violation == nil, "seed \(seed): \(String(describing: outcome.violation)); replay with paddock simulate --seed \(seed)")
            summary.add(outcome)
        }
        #expect(summary.seeds == 36)
        #expect(summary.operations > 36 * 10, "the workload ran: \(summary.operations) operations")
    }

    @Test func fiveVotersHaveNoViolation() async throws {
        var options = SimulationOptions()
        options.voterCount = 5
        for (seed, outcome) in try await Self.run(UInt64(1_001)...1_016, options: options) {
            #expect(outcome.violation == nil, "seed \(seed) with 5 voters: \(String(describing: outcome.violation))")
            #expect(outcome.acknowledged > 0)
        }
    }

    @Test func aSeedReplaysExactly() async throws {
        let outcomes = try await Self.run([42, 42, 43]).map(\.outcome)
        #expect(outcomes[0] == outcomes[1])
        #expect(outcomes[0].events > 1_000)
        #expect(outcomes[2].events != outcomes[0].events)
    }

    @Test func rareStatesAreReached() async throws {
        var summary = SimulationSummary()
        for (_, outcome) in try await Self.run(UInt64(1)...40) {
            summary.add(outcome)
        }
        #expect(summary.rareStates.leaderWithOlderTermUncommitted > 0)
        #expect(summary.rareStates.splitVote > 0)
        #expect(summary.rareStates.readDuringPartition > 0)
        #expect(summary.rareStates.snapshotToDivergentFollower > 0)
    }
}
