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
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [script]
            var environment = ProcessInfo.processInfo.environment
            environment["PADDOCK"] = base
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            // The script makes about 30 requests; reading to the end waits for it to exit.
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        #expect(status == 0, "quickstart.sh failed:\n\(output)")
        #expect(output.contains("quickstart: every step answered as expected"))
        #expect(await server.stop(signal: SIGTERM) == 0)
    }
}
