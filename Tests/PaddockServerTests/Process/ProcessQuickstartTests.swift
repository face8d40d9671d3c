import Foundation
import PaddockTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `examples/curl/quickstart.sh` runs green against the real binary, so the README's walk
/// through the API stays true. The script fails on any status it did not expect.
@Suite(.serialized) struct ProcessQuickstartTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test func quickstartWalkThroughPasses() async throws {
        let dir = try TempDirectory("quickstart")
        defer { dir.remove() }
        let server = try await PaddockProcess.launch(dataDir: dir.path)
        defer { server.kill() }

        let script = Self.packageRoot.appendingPathComponent("examples/curl/quickstart.sh").path
        let base = "http://\(server.address.host):\(server.address.port)"
        let (status, output) = try await onOwnThread { () throws -> (Int32, String) in
            let process = try ChildProcess(
                executable: "/bin/bash", arguments: [script], environment: ["PADDOCK": base], mergeStandardError: true)
            // The script makes about 30 requests; a hung one is ended after two minutes.
            if process.waitForExit(timeoutMs: 120_000) == nil { process.kill() }
            return (process.waitForExit() ?? -1, process.standardOutput())
        }
        #expect(status == 0, "quickstart.sh failed:\n\(output)")
        #expect(output.contains("quickstart: every step answered as expected"))
        #expect(await server.stop(signal: SIGTERM) == 0)
    }
}
