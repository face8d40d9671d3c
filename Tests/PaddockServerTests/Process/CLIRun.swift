import Foundation
import PaddockTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// What one run of a `paddock` client command gave: its status and its output.
struct CLIResult: Sendable, CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    /// The standard output's lines.
    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    var description: String { "status \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
}

/// Runs the built `paddock` with `arguments` (and `stdin`, when given), waits for it to end
/// (killing it after `timeoutMs`), and returns its status and output.
///
/// Runs on a thread of its own: the waits block.
func runPaddock(
    _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], timeoutMs: Int = 20_000
) async throws -> CLIResult {
    let binary = try PaddockProcess.binaryPath()
    return try await onOwnThread {
        let process = try ChildProcess(
            executable: binary, arguments: arguments, environment: environment, removing: ["PADDOCK_ENDPOINTS"],
            stdin: stdin)
        if process.waitForExit(timeoutMs: timeoutMs) == nil { process.kill() }
        let status = process.waitForExit() ?? -1
        return CLIResult(status: status, stdout: process.standardOutput(), stderr: process.standardError())
    }
}
