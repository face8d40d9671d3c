import Foundation
import PaddockTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `paddock lock` and `paddock elect` as a built binary against a live `paddock serve`:
/// the token reaches the command, the command's status becomes paddock's, a second
/// holder waits for the first, and bad arguments and an unreachable member fail clearly.
@Suite(.serialized) struct ProcessLockCLITests {
    /// Runs `body` with a server, the `--endpoints` argument pair for it, and the server.
    static func withServer(_ body: ([String], PaddockProcess) async throws -> Void) async throws {
        let dir = try TempDirectory("cli-lock")
        defer { dir.remove() }
        let server = try await PaddockProcess.launch(dataDir: dir.path)
        defer { server.kill() }
        try await body(["--endpoints", "http://\(server.address.host):\(server.address.port)"], server)
    }

    @Test func lockPassesTheTokenAndExitsWithTheCommandsStatus() async throws {
        try await Self.withServer { at, server in
            let result = try await runPaddock(
                ["lock", "jobs"] + at + ["--", "sh", "-c", "echo $PADDOCK_FENCING_TOKEN; exit 3"])
            #expect(result.status == 3, "\(result)")
            #expect(result.lines.count == 1, "\(result)")
            #expect((UInt64(result.lines.first ?? "") ?? 0) > 0, "\(result)")
            let status = try await server.client.send("GET", "/v1/locks/jobs")
            #expect(status.json?["holder"] is NSNull, "released after the command: \(status.json ?? [:])")
        }
    }

    @Test func aSecondLockWaitsUntilTheFirstEnds() async throws {
        try await Self.withServer { at, server in
            let dir = try TempDirectory("cli-lock-files")
            defer { dir.remove() }
            let started = dir.path + "/started"
            let go = dir.path + "/go"
            // The first holder waits (at most 40 s) for the test to let it go.
            let firstScript = """
                touch \(started); i=0
                while [ ! -e \(go) ] && [ $i -lt 800 ]; do sleep 0.05; i=$((i+1)); done
                echo $PADDOCK_FENCING_TOKEN
                """
            async let first = runPaddock(["lock", "jobs"] + at + ["--", "sh", "-c", firstScript], timeoutMs: 60_000)
            let firstHolds = await eventually { FileManager.default.fileExists(atPath: started) }
            #expect(firstHolds, "the first command did not start")
            async let second = runPaddock(
                ["lock", "jobs"] + at + ["--", "sh", "-c", "echo $PADDOCK_FENCING_TOKEN"], timeoutMs: 60_000)
            let queued = await eventually {
                let answer = try? await server.client.send("GET", "/v1/locks/jobs")
                return (answer?.json?["queue"] as? [Any])?.count == 2
            }
            #expect(queued, "the second paddock lock did not queue behind the first")
            #expect(FileManager.default.createFile(atPath: go, contents: nil))
            let (firstResult, secondResult) = try await (first, second)
            #expect(firstResult.status == 0, "\(firstResult)")
            #expect(secondResult.status == 0, "\(secondResult)")
            let firstToken = UInt64(firstResult.lines.last ?? "") ?? 0
            let secondToken = UInt64(secondResult.lines.last ?? "") ?? 0
            #expect(firstToken > 0, "\(firstResult)")
            #expect(secondToken > firstToken, "\(firstResult)\n\(secondResult)")
        }
    }

    @Test func aLostSessionStopsTheCommandAndExitsOne() async throws {
        try await Self.withServer { at, server in
            let dir = try TempDirectory("cli-lock-lost")
            defer { dir.remove() }
            let started = dir.path + "/started"
            let finished = dir.path + "/finished"
            // Runs at most 40 s unless stopped; "finished" marks that it was not.
            let script = """
                touch \(started); i=0
                while [ $i -lt 800 ]; do sleep 0.05; i=$((i+1)); done
                touch \(finished)
                """
            async let run = runPaddock(
                ["lock", "jobs", "--ttl", "3s", "--grace", "2s"] + at + ["--", "sh", "-c", script], timeoutMs: 60_000)
            let holds = await eventually { FileManager.default.fileExists(atPath: started) }
            #expect(holds, "the command did not start")
            let lock = try await server.client.send("GET", "/v1/locks/jobs")
            let holder = lock.json?["holder"] as? [String: Any]
            let session = try #require(holder?["session"] as? String, "\(lock.json ?? [:])")
            // Ending the session from outside: the next keepalive hears SessionExpired.
            let closed = try await server.client.send("DELETE", "/v1/sessions/\(session)")
            #expect(closed.status == 200)
            let result = try await run
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.hasPrefix("paddock: SessionExpired: "), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: finished), "the command ran to its end")
        }
    }

    @Test func sigtermToPaddockReachesTheCommandAndReleasesTheLock() async throws {
        try await Self.withServer { at, server in
            let dir = try TempDirectory("cli-lock-signal")
            defer { dir.remove() }
            let parent = dir.path + "/paddock.pid"
            // The command's parent is paddock itself; it exits 7 on SIGTERM, else after 40 s.
            let script = """
                trap 'exit 7' TERM
                echo $PPID > \(parent).tmp && mv \(parent).tmp \(parent); i=0
                while [ $i -lt 800 ]; do sleep 0.05; i=$((i+1)); done
                """
            async let run = runPaddock(["lock", "jobs"] + at + ["--", "sh", "-c", script], timeoutMs: 60_000)
            let started = await eventually { FileManager.default.fileExists(atPath: parent) }
            #expect(started, "the command did not start")
            let text = (try? String(contentsOfFile: parent, encoding: .utf8)) ?? ""
            let pid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), "pid file: \(text)")
            #expect(kill(pid, SIGTERM) == 0)
            let result = try await run
            #expect(result.status == 7, "\(result)")
            let lock = try await server.client.send("GET", "/v1/locks/jobs")
            #expect(lock.json?["holder"] is NSNull, "released: \(lock.json ?? [:])")
        }
    }

    @Test func electStopsTheCommandWhenTheLeadershipIsLost() async throws {
        try await Self.withServer { at, server in
            let dir = try TempDirectory("cli-elect-lost")
            defer { dir.remove() }
            let started = dir.path + "/started"
            let finished = dir.path + "/finished"
            let script = """
                touch \(started); i=0
                while [ $i -lt 800 ]; do sleep 0.05; i=$((i+1)); done
                touch \(finished)
                """
            async let run = runPaddock(
                ["elect", "primary", "--value", "a", "--ttl", "3s", "--grace", "2s"] + at
                    + ["--", "sh", "-c", script], timeoutMs: 60_000)
            let leads = await eventually { FileManager.default.fileExists(atPath: started) }
            #expect(leads, "the command did not start")
            let election = try await server.client.send("GET", "/v1/elections/primary")
            let leader = election.json?["leader"] as? [String: Any]
            #expect(leader?["value"] as? String == "a")
            let session = try #require(leader?["session"] as? String, "\(election.json ?? [:])")
            let closed = try await server.client.send("DELETE", "/v1/sessions/\(session)")
            #expect(closed.status == 200)
            let result = try await run
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.hasPrefix("paddock: SessionExpired: "), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: finished), "the command ran to its end")
        }
    }

    @Test func electRunsTheCommandWhileLeading() async throws {
        try await Self.withServer { at, server in
            let result = try await runPaddock(
                ["elect", "primary", "--value", "me"] + at + ["--", "sh", "-c", "echo $PADDOCK_FENCING_TOKEN; exit 4"])
            #expect(result.status == 4, "\(result)")
            #expect((UInt64(result.lines.first ?? "") ?? 0) > 0, "\(result)")
            let status = try await server.client.send("GET", "/v1/elections/primary")
            #expect(status.json?["leader"] is NSNull, "resigned after the command: \(status.json ?? [:])")
        }
    }

    @Test(arguments: [
        ["lock"],
        ["lock", "jobs"],
        ["lock", "jobs", "--ttl", "soon", "--", "true"],
        ["lock", "jobs", "--wait", "later", "--", "true"],
        ["elect", "primary"],
        ["elect", "primary", "--grace", "x", "--", "true"],
    ])
    func badArgumentsExitTwo(arguments: [String]) async throws {
        let result = try await runPaddock(arguments + ["--endpoints", "http://127.0.0.1:1"])
        #expect(result.status == 2, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(!result.stderr.isEmpty)
    }

    @Test(arguments: ["lock", "elect"])
    func anUnreachableEndpointExitsThreeWithOneLine(command: String) async throws {
        let result = try await runPaddock(
            [command, "x", "--endpoints", "http://127.0.0.1:1", "--timeout", "500ms", "--", "true"])
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.hasPrefix("paddock: Unreachable: cannot reach http://127.0.0.1:1"), "\(result)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result)")
    }
}
