import Foundation
import PaddockTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Errors of the process test harness, with what went wrong in words.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
}

/// A running `paddock serve` started by a test; `kill()` ends it (by its pid) and is
/// idempotent, so tests call it in `defer` and again on purpose.
final class PaddockProcess: Sendable {
    let process: ChildProcess
    let pid: Int32
    let address: (host: String, port: Int)
    let output: OutputLines

    /// The built `paddock` next to the running test executable.
    static func binaryPath() throws -> String {
        let candidates = [
            URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ]
        for directory in candidates {
            let path = directory.appendingPathComponent("paddock").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw HarnessError(
            description: "the paddock binary was not found next to the test bundle (looked in "
                + candidates.map(\.path).joined(separator: ", ") + "); build it with `swift build`"
        )
    }

    private init(process: ChildProcess, address: (host: String, port: Int), output: OutputLines) {
        self.process = process
        self.pid = process.pid
        self.address = address
        self.output = output
    }

    /// Starts `paddock serve` on 127.0.0.1 with an OS-chosen port and waits until it prints
    /// its address and (unless `waitForReady` is false) answers `/readyz` with 200, or
    /// throws after `timeoutMs`.
    ///
    /// A cluster member is not ready before a majority runs, so cluster tests launch every
    /// member with `waitForReady: false` and then wait for all of them.
    /// Waits with `Task.sleep` and does blocking I/O off the cooperative pool, so tests
    /// running beside it are not starved on a small machine.
    static func launch(
        dataDir: String, extraArguments: [String] = [], timeoutMs: Int = 20_000, waitForReady: Bool = true
    ) async throws -> PaddockProcess {
        let lines = OutputLines()
        let collect = ChildProcess.Output.stream { lines.append($0) }
        let process = try ChildProcess(
            executable: try binaryPath(),
            arguments: ["serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir] + extraArguments,
            stdout: collect, stderr: collect)

        let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMs))
        var found: (String, Int)?
        for _ in 0..<(timeoutMs / 10 + 1) where found == nil && ContinuousClock.now < deadline && process.isRunning {
            found = parseAddress(lines.all)
            if found == nil { try? await Task.sleep(for: .milliseconds(10)) }
        }
        guard let found else {
            forceKill(process)
            throw HarnessError(
                description: "paddock did not print its address in \(timeoutMs) ms; output:\n"
                    + lines.all.joined(separator: "\n"))
        }
        let server = PaddockProcess(process: process, address: found, output: lines)
        guard waitForReady else { return server }
        var ready = false
        for _ in 0..<(timeoutMs / 10 + 1) where !ready && ContinuousClock.now < deadline {
            ready = (try? await server.client.send("GET", "/readyz").status) == 200
            if !ready { try? await Task.sleep(for: .milliseconds(10)) }
        }
        guard ready else {
            server.kill()
            throw HarnessError(description: "paddock at \(found.0):\(found.1) was not ready in \(timeoutMs) ms")
        }
        return server
    }

    /// Finds the HTTP address in the output: the line `paddock listening on HOST:PORT`
    /// that `paddock serve` prints. Other "listening on" lines (a cluster member's peer
    /// listener, say) are not its HTTP address and are skipped.
    static func parseAddress(_ lines: [String]) -> (String, Int)? {
        for line in lines {
            guard let range = line.range(of: "paddock listening on ") else { continue }
            let rest = line[range.upperBound...].split(separator: " ").first.map(String.init) ?? ""
            let trimmed = rest.replacingOccurrences(of: "http://", with: "")
            guard let colon = trimmed.lastIndex(of: ":"), let port = Int(trimmed[trimmed.index(after: colon)...]) else {
                continue
            }
            return (String(trimmed[..<colon]), port)
        }
        return nil
    }

    /// A client for this server.
    var client: HTTPClient { HTTPClient(host: address.host, port: address.port) }

    /// Everything the server printed so far.
    var log: String { output.all.joined(separator: "\n") }

    /// Sends SIGKILL (no chance to flush) and waits for the process to end.
    func kill() {
        Self.forceKill(process)
    }

    /// Sends `signal` and waits up to `timeoutMs` for the exit; returns the exit status,
    /// or nil (after a SIGKILL) when the process did not end in time.
    func stop(signal: Int32, timeoutMs: Int = 10_000) async -> Int32? {
        process.signal(signal)
        for _ in 0..<(timeoutMs / 10) where process.isRunning {
            try? await Task.sleep(for: .milliseconds(10))
        }
        guard !process.isRunning else {
            kill()
            return nil
        }
        return process.waitForExit()
    }

    static func forceKill(_ process: ChildProcess) {
        process.kill()
    }

    deinit {
        Self.forceKill(process)
    }
}

/// The lines a child process printed, collected from its pipes' reader threads.
final class OutputLines: Sendable {
    /// Complete lines, then the unfinished last one.
    private let state = Mutex<(lines: [String], partial: String)>(([], ""))

    /// Adds a chunk of output; a line split across chunks is joined again.
    func append(_ text: String) {
        state.withLock { state in
            let parts = (state.partial + text).split(separator: "\n", omittingEmptySubsequences: false)
            state.lines.append(contentsOf: parts.dropLast().map(String.init))
            state.partial = String(parts.last ?? "")
        }
    }

    /// Every complete line so far.
    var all: [String] { state.withLock { $0.lines } }
}
