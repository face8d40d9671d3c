import ArgumentParser
import Foundation
import PaddockSimulation

/// `paddock simulate`: runs the deterministic cluster simulation.
///
/// `--seed N` replays one run exactly and prints its outcome; `--seeds N` runs seeds
/// `--first` to `--first + N - 1` and prints a summary line (seeds/s, events/s, violations,
/// rare-state counts). Any violation prints its seed. Exit 1 when a violation was found.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the deterministic cluster simulation and its safety checkers."
    )

    @Option(help: "Replay exactly this seed.")
    var seed: UInt64?

    @Option(help: "Run this many seeds and print a summary.")
    var seeds: Int?

    @Option(help: "The first seed of --seeds.")
    var first: UInt64 = 1

    @Flag(help: "Print each seed on standard error before running it (to name the seed of a crash).")
    var verbose = false

    @Option(help: "Voting members at the start.")
    var voters: Int = 3

    @Option(help: "Ticks of the safety phase (faults on).")
    var safetyTicks: Int = 300

    func validate() throws {
        guard (seed == nil) != (seeds == nil) else { throw ValidationError("give exactly one of --seed and --seeds") }
        if let seeds, seeds <= 0 { throw ValidationError("--seeds must be positive") }
        guard voters >= 1 && voters <= 7 else { throw ValidationError("--voters must be 1...7") }
        guard safetyTicks >= 0 else { throw ValidationError("--safety-ticks must not be negative") }
    }

    func run() throws {
        var options = SimulationOptions()
        options.voterCount = voters
        options.safetyTicks = safetyTicks
        let started = Date()
        var summary = SimulationSummary()
        let range: [UInt64] = seed.map { [$0] } ?? (0..<UInt64(seeds!)).map { first + $0 }
        for runSeed in range {
            if verbose { FileHandle.standardError.write(Data("seed \(runSeed)\n".utf8)) }
            var simulation = Simulation(seed: runSeed, options: options)
            let outcome = simulation.run()
            summary.add(outcome)
            if let violation = outcome.violation {
                print("seed \(runSeed): VIOLATION \(violation)  (replay: paddock simulate --seed \(runSeed))")
            } else if seed != nil {
                print("seed \(runSeed): ok events=\(outcome.events) operations=\(outcome.operations) acknowledged=\(outcome.acknowledged) rare: \(outcome.rareStates)")
            }
        }
        print(summary.line(elapsedSeconds: Date().timeIntervalSince(started)))
        if !summary.failures.isEmpty { throw ExitCode(1) }
    }
}
