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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "PADDOCK_ENDPOINTS")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(timeoutMs), execute: watchdog)
        // Outputs are small (well under a pipe's buffer), so reading after the exit is safe;
        // reading to the end also waits for the exit.
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return CLIResult(
            status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self))
    }
}
