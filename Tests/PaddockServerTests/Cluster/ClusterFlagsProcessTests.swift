import Foundation
import PaddockTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `paddock serve` refuses bad cluster flags before starting anything: one line on
/// stderr naming the flag, exit status 64.
@Suite struct ClusterFlagsProcessTests {
    /// Runs `paddock serve` with `arguments` and returns its exit status and stderr; a
    /// server that wrongly starts is killed after `timeoutMs` (its status is then 9).
    static func runServe(_ arguments: [String], timeoutMs: Int = 20_000) async throws -> (status: Int32, stderr: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paddock-flags-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try PaddockProcess.binaryPath()
        let serveArguments = ["serve", "--listen", "127.0.0.1:0", "--data-dir", directory.path] + arguments
        return try await onOwnThread { () throws -> (Int32, String) in
            let process = try ChildProcess(
                executable: binary, arguments: serveArguments, stdout: .discard, stderr: .capture)
            // A server that wrongly starts would never close stderr: end it after the limit.
            if process.waitForExit(timeoutMs: timeoutMs) == nil { process.kill() }
            return (process.waitForExit() ?? -1, process.standardError())
        }
    }

    @Test(arguments: [
        (["--id", "n1"], "--id: needs --peers"),
        (["--peers", "n1=127.0.0.1:7190"], "--peers: needs --id"),
        (["--id", "n4", "--peers", "n1=127.0.0.1:7190,n2=127.0.0.1:7191"], "does not name this member n4"),
        (["--id", "n1", "--peers", "n1=127.0.0.1:7190,n2=127.0.0.1:7190"], "share the address"),
        (["--id", "n1", "--peers", "n1=127.0.0.1:99999"], "1...65535"),
        (["--id", "n1", "--peers", "n1=127.0.0.1:7190", "--election-timeout-ms", "100"], "--election-timeout-ms"),
        (["--join"], "--join: needs --id"),
    ])
    func badClusterFlagsExitWithUsageStatus(arguments: [String], messagePart: String) async throws {
        let (status, stderr) = try await Self.runServe(arguments)
        #expect(status == 64, "stderr: \(stderr)")
        #expect(stderr.contains(messagePart), "stderr: \(stderr)")
    }
}

/// A cluster start whose members cannot run fails with their own words, and leaves no
/// process or directory behind.
@Suite struct ClusterHarnessFailureTests {
    @Test func aStartWhoseMembersExitReportsTheirOutput() async throws {
        let cluster = try ClusterHarness(launchTimeoutMs: 20_000)
        do {
            try await cluster.start(count: 2, extraArgs: ["--election-timeout-ms", "1"], readyTimeoutMs: 5_000)
            Issue.record("a cluster with a 1 ms election timeout started")
        } catch {
            #expect("\(error)".contains("--election-timeout-ms"), "\(error)")
        }
        #expect(cluster.liveNames.isEmpty)
        await cluster.stopAll()
        #expect(!FileManager.default.fileExists(atPath: cluster.root.path))
    }
}
