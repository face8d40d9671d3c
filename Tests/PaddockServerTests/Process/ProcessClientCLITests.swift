import Foundation
import PaddockAPI
import PaddockTestSupport
import Testing

/// The client commands of the built `paddock` against a live `paddock serve`: output and
/// exit status of each, including bad arguments, unknown paths and an unreachable member.
@Suite(.serialized) struct ProcessClientCLITests {
    /// Runs `body` with a server and the `--endpoints` argument pair for it.
    static func withServer(_ body: ([String]) async throws -> Void) async throws {
        let dir = try TempDirectory("cli")
        defer { dir.remove() }
        let server = try await PaddockProcess.launch(dataDir: dir.path)
        defer { server.kill() }
        try await body(["--endpoints", "http://\(server.address.host):\(server.address.port)"])
    }

    @Test func nodeCommandsPrintTheirResults() async throws {
        try await Self.withServer { at in
            var result = try await runPaddock(["create", "/app/config", "v1", "-p"] + at)
            #expect(result.status == 0, "\(result)")
            #expect(result.lines == ["/app/config"])

            result = try await runPaddock(["get", "/app/config"] + at)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "v1\n")

            result = try await runPaddock(["set", "/app/config", "-", "--version", "0"] + at, stdin: "from stdin")
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.hasPrefix("/app/config: version 1, zxid "), "\(result)")

            result = try await runPaddock(["get", "/app/config", "-o", "json"] + at)
            #expect(result.status == 0, "\(result)")
            let json = try JSONValue(parsing: Array(result.stdout.utf8.dropLast()))
            #expect(json["data"] == .string("from stdin"))
            #expect(json["stat"]?["version"] == .number("1"))
            #expect(json["zxid"]?.int64Value ?? 0 > 0)

            result = try await runPaddock(["create", "/app/job-", "--kind", "sequential"] + at)
            #expect(result.lines == ["/app/job-0000000000"], "\(result)")

            result = try await runPaddock(["ls", "/app"] + at)
            #expect(result.lines == ["config", "job-0000000000"], "\(result)")

            result = try await runPaddock(["ls", "-l", "/app"] + at)
            #expect(result.lines.count == 2)
            #expect(result.lines.first?.hasPrefix("v1 ") == true, "\(result)")
            #expect(result.lines.first?.hasSuffix(" config") == true, "\(result)")

            result = try await runPaddock(["tree", "/"] + at)
            #expect(result.lines == ["/", "└── app", "    ├── config", "    └── job-0000000000"], "\(result)")

            result = try await runPaddock(["delete", "/app"] + at)
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("paddock: NotEmpty: "), "\(result)")

            result = try await runPaddock(["delete", "-r", "/app"] + at)
            #expect(result.status == 0, "\(result)")
            #expect(result.lines == ["/app/config", "/app/job-0000000000", "/app"], "\(result)")
        }
    }

    @Test func unknownPathsExitOneWithOneLine() async throws {
        try await Self.withServer { at in
            let result = try await runPaddock(["get", "/nope"] + at)
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.hasPrefix("paddock: NoNode: "), "\(result)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result)")

            let invalid = try await runPaddock(["get", "/a//b"] + at)
            #expect(invalid.status == 1)
            #expect(invalid.stderr.hasPrefix("paddock: InvalidPath: "), "\(invalid)")
        }
    }

    @Test(arguments: [
        ["get"],
        ["create", "/x", "--kind", "bogus"],
        ["set", "/x"],
        ["set", "/x", "data", "--file", "/tmp/x"],
        ["create", "/x", "--ttl", "soon"],
        ["session", "keepalive", "zz"],
        ["watch", "/x", "--since", "3", "--initial"],
        ["get", "/x", "--timeout", "never"],
        ["get", "/x", "--no-such-flag"],
    ])
    func badArgumentsExitTwo(arguments: [String]) async throws {
        let result = try await runPaddock(arguments + ["--endpoints", "http://127.0.0.1:1"])
        #expect(result.status == 2, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(!result.stderr.isEmpty)
    }

    @Test func anUnreachableEndpointExitsThreeWithOneClearLine() async throws {
        let result = try await runPaddock(["get", "/x", "--endpoints", "http://127.0.0.1:1", "--timeout", "500ms"])
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.hasPrefix("paddock: Unreachable: cannot reach http://127.0.0.1:1"), "\(result)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result)")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test func endpointsComeFromTheEnvironment() async throws {
        try await Self.withServer { at in
            let result = try await runPaddock(["ls", "/"], environment: ["PADDOCK_ENDPOINTS": at[1]])
            #expect(result.status == 0, "\(result)")
            #expect(result.lines.isEmpty, "\(result)")
        }
    }

    @Test func txnSessionWatchAndSnapshot() async throws {
        try await Self.withServer { at in
            let ops = #"{"ops":[{"op":"create","path":"/t","data":"a"},{"op":"set","path":"/t","data":"b"}]}"#
            var result = try await runPaddock(["txn"] + at, stdin: ops)
            #expect(result.status == 0, "\(result)")
            #expect(result.lines.prefix(2) == ["create /t (version 0)", "set /t (version 1)"], "\(result)")

            result = try await runPaddock(["txn"] + at, stdin: #"[{"op":"delete","path":"/missing"}]"#)
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("paddock: NoNode: "), "\(result)")

            result = try await runPaddock(["txn"] + at, stdin: "not json")
            #expect(result.status == 2, "\(result)")

            result = try await runPaddock(["session", "open", "--ttl", "30s"] + at)
            #expect(result.status == 0, "\(result)")
            let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(id.count == 16, "\(result)")
            result = try await runPaddock(["create", "/eph", "--kind", "ephemeral", "--session", id] + at)
            #expect(result.status == 0, "\(result)")
            result = try await runPaddock(["session", "keepalive", id] + at)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("ms left"), "\(result)")
            result = try await runPaddock(["session", "close", id] + at)
            #expect(result.lines == ["/eph"], "\(result)")
            result = try await runPaddock(["session", "close", id] + at)
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("paddock: SessionExpired: "), "\(result)")

            result = try await runPaddock(["watch", "/t", "--since", "0", "--count", "2"] + at)
            #expect(result.status == 0, "\(result)")
            #expect(result.lines.count == 2, "\(result)")
            #expect(result.lines.first?.hasSuffix(" created /t a") == true, "\(result)")
            #expect(result.lines.last?.hasSuffix(" changed /t b") == true, "\(result)")

            let dir = try TempDirectory("cli-snapshot")
            defer { dir.remove() }
            let file = dir.path + "/backup.snapshot"
            result = try await runPaddock(["snapshot", "save", file] + at)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.hasPrefix("saved "), "\(result)")
            let bytes = [UInt8](FileManager.default.contents(atPath: file) ?? Data())
            #expect(bytes.first == 0x78, "a zlib stream starts with 0x78")
        }
    }

    @Test func clusterCommandsOnASingleNode() async throws {
        try await Self.withServer { at in
            var result = try await runPaddock(["cluster"] + at)
            #expect(result.status == 0, "\(result)")
            #expect(result.lines.first?.hasPrefix("cluster ") == true, "\(result)")
            #expect(result.lines.count == 2, "one line for the cluster, one per member: \(result)")

            result = try await runPaddock(["cluster", "status", "-o", "json"] + at)
            #expect(result.status == 0, "\(result)")
            let json = try JSONValue(parsing: Array(result.stdout.utf8.dropLast()))
            #expect(json["term"]?.int64Value ?? 0 >= 1)
            guard case .array(let members)? = json["members"] else {
                Issue.record("no members array: \(result)")
                return
            }
            #expect(members.count == 1)
            #expect(members.first?["role"] == .string("leader"))

            result = try await runPaddock(["cluster", "members", "add", "n2", "127.0.0.1:7400"] + at)
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.hasPrefix("paddock: NotClustered: "), "\(result)")

            result = try await runPaddock(["cluster", "members", "remove"] + at)
            #expect(result.status == 2, "\(result)")
        }
    }

    @Test func completionScriptsAreGenerated() async throws {
        let result = try await runPaddock(["--generate-completion-script", "bash"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("paddock"))
        #expect(result.stdout.contains("watch"))
    }
}
