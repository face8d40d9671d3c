import ArgumentParser
import Foundation
import PaddockSimulation

/// `paddock check-history`: checks a recorded history for linearizability.
///
/// Prints `linearizable` (exit 0) or `not linearizable` (exit 1). A malformed file prints
/// the offending line on standard error and exits 2; an unreadable file exits 2 too. If the
/// search runs out of its step budget it prints `unknown` and exits 3.
struct CheckHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-history",
        abstract: "Check a recorded history for linearizability.",
        discussion: """
            --model register reads Jepsen's etcd register format; --model kv reads \
            Porcupine's key/value format. Exit status: 0 linearizable, 1 not linearizable, \
            2 malformed or unreadable file, 3 unknown (step budget exhausted).
            """
    )

    /// Which sequential specification (and file format) the history is for.
    enum ModelName: String, ExpressibleByArgument, CaseIterable {
        case register
        case kv
    }

    @Option(help: "The model and file format: register or kv.")
    var model: ModelName

    @Option(help: "Search steps to spend before answering unknown.")
    var stepsMax: Int = 50_000_000

    @Argument(help: "The history file.")
    var file: String

    func validate() throws {
        guard stepsMax > 0 else { throw ValidationError("--steps-max must be positive") }
    }

    func run() throws {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            printError("\(file): cannot read: \(error.localizedDescription)")
            throw ExitCode(2)
        }
        let result: LinearizabilityResult
        do {
            switch model {
            case .register:
                let operations = try JepsenRegisterHistory.parse(text)
                result = LinearizabilityChecker(model: RegisterModel(), stepsMax: stepsMax).check(operations)
            case .kv:
                let operations = try PorcupineKeyValueHistory.parse(text)
                result = LinearizabilityChecker(model: KeyValueModel(), stepsMax: stepsMax).check(operations)
            }
        } catch {
            printError("\(file):\(error.line): \(error.message)")
            throw ExitCode(2)
        }
        print(result.verdict.rawValue)
        switch result.verdict {
        case .linearizable: return
        case .notLinearizable: throw ExitCode(1)
        case .unknown: throw ExitCode(3)
        }
    }

    private func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
