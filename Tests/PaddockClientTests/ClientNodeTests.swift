import PaddockClient
import PaddockServer
import PaddockStorage
import Testing
import ZNodeTree

@Suite("Client against a live member")
struct ClientNodeTests {
    @Test func createGetSetDeleteRoundTrip() async throws {
        try await LiveMember.with { member in
            try await withClient([member.endpoint]) { client in
                let created = try await client.create("/app/config", data: .utf8("v1"), parents: true)
                #expect(created.path == "/app/config")
                #expect(created.stat.version == 0)
                #expect(created.zxid.rawValue > 0)

                let read = try await client.get("/app/config")
                #expect(read.string == "v1")
                #expect(read.stat == created.stat)
                #expect(read.zxid >= created.zxid)

                let changed = try await client.set("/app/config", data: .utf8("v2"), version: 0)
                #expect(changed.stat.version == 1)
                #expect(changed.zxid > created.zxid)
                #expect(try await client.get("/app/config", consistency: .serializable).string == "v2")

                let binary: [UInt8] = [0, 255, 128, 10]
                try await client.set("/app/config", data: binary)
                #expect(try await client.get("/app/config").data == binary)

                try await client.create("/app/b")
                let listing = try await client.children("/app", stats: true)
                #expect(listing.names == ["b", "config"])
                #expect(listing.stats?["config"]?.version == 2)
                #expect(listing.stat?.numChildren == 2)

                let sequential = try await client.create("/app/job-", kind: .sequential)
                #expect(sequential.path == "/app/job-0000000000")

                let deleted = try await client.delete("/app", recursive: true)
                #expect(deleted.deleted.count == 4)
                #expect(deleted.deleted.last == "/app")
                #expect(try await client.exists("/app") == nil)
            }
        }
    }

    @Test func refusalsAreTypedWithTheirDetails() async throws {
        try await LiveMember.with { member in
            try await withClient([member.endpoint]) { client in
                try await client.create("/a", data: .utf8("x"))
                try await client.create("/a/child")
                let cases: [(PaddockError.Code, @Sendable () async throws(PaddockError) -> Void)] = [
                    (.noNode, { () async throws(PaddockError) in _ = try await client.get("/missing") }),
                    (.nodeExists, { () async throws(PaddockError) in try await client.create("/a") }),
                    (.badVersion, { () async throws(PaddockError) in try await client.set("/a", data: [], version: 7) }),
                    (.notEmpty, { () async throws(PaddockError) in try await client.delete("/a") }),
                    (.invalidPath, { () async throws(PaddockError) in _ = try await client.get("/a//b") }),
                    (.invalidPath, { () async throws(PaddockError) in _ = try await client.get("relative") }),
                    (.noNode, { () async throws(PaddockError) in try await client.create("/x/y") }),
                ]
                for (expected, call) in cases {
                    do throws(PaddockError) {
                        try await call()
                        Issue.record("expected \(expected), the call succeeded")
                    } catch {
                        #expect(error.code == expected, "\(error)")
                        #expect(!error.message.isEmpty)
                        #expect(error.code.isRetryable == false)
                    }
                }
                do throws(PaddockError) {
                    _ = try await client.get("/missing")
                    Issue.record("/missing was found")
                } catch {
                    #expect(error.status == 404)
                    #expect(error.path == "/missing")
                    #expect(error.zxid != nil)
                    #expect(error.description.hasPrefix("NoNode: "))
                }
            }
        }
    }

    @Test func transactionsApplyAllOrNothing() async throws {
        try await LiveMember.with { member in
            try await withClient([member.endpoint]) { client in
                let result = try await client.txn([
                    .create("/t", data: .utf8("root")),
                    .create("/t/q-", kind: .sequential),
                    .set("/t", data: .utf8("changed")),
                    .check("/t", version: 1),
                ])
                #expect(result.results.map(\.op) == ["create", "create", "set", "check"])
                #expect(result.results[1].path == "/t/q-0000000000")
                #expect(result.results[2].stat?.version == 1)
                #expect(try await client.get("/t").string == "changed")

                do throws(PaddockError) {
                    try await client.txn([.create("/t/new"), .delete("/t/missing")])
                    Issue.record("the transaction should fail")
                } catch {
                    #expect(error.code == .noNode)
                    #expect(error.opIndex == 1)
                }
                #expect(try await client.exists("/t/new") == nil)
            }
        }
    }

    @Test func sessionsOwnEphemeralNodes() async throws {
        try await LiveMember.with { member in
            try await withClient([member.endpoint]) { client in
                let grant = try await client.openSession(ttlMs: 5_000)
                #expect(grant.ttlMs == 5_000)
                let node = try await client.create("/e", kind: .ephemeral, session: grant.id)
                #expect(node.stat.ephemeralOwner == grant.id)
                let kept = try await client.keepAlive(grant.id)
                #expect(kept.remainingMs > 0 && kept.remainingMs <= 5_000)
                let closed = try await client.closeSession(grant.id)
                #expect(closed.deleted == ["/e"])
                #expect(try await client.exists("/e") == nil)
                do throws(PaddockError) {
                    try await client.keepAlive(grant.id)
                    Issue.record("a closed session was kept alive")
                } catch {
                    #expect(error.code == .sessionExpired)
                }
            }
        }
    }
}

@Suite("Snapshot download")
struct SnapshotDownloadTests {
    @Test func aDownloadedSnapshotRestoresTheTree() async throws {
        try await LiveMember.with { member in
            try await withClient([member.endpoint]) { client in
                try await client.create("/backup/a", data: .utf8("kept"), parents: true)
                let written = try await client.create("/backup/b", data: [0, 1, 2])
                let download = try await client.snapshot()
                #expect(download.zxid >= written.zxid)
                let count = try #require(download.uncompressedCount)
                let bytes = try Compression.inflate(download.bytes, expectedCount: count)
                let tree = try ZNodeTree(snapshot: bytes)
                #expect(tree.lastApplied == download.zxid)
                #expect(tree.node(at: try ZNodePath(validating: "/backup/a"))?.data == Array("kept".utf8))
                #expect(tree.node(at: try ZNodePath(validating: "/backup/b"))?.data == [0, 1, 2])
            }
        }
    }
}
