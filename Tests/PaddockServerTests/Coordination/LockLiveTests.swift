import Foundation
import PaddockAPI
import PaddockTestSupport
import Testing
import ZNodeTree

@testable import PaddockServer

/// Locks against a live single-node member.
@Suite struct LockLiveTests {
    @Test func grantWaitReleaseAndTheQueueInOrder() async throws {
        try await WatchServerFixture.with { fixture in
            let client = CoordinationClient(port: fixture.port)
            let first = try await client.openSession(ttlMs: 10_000)
            let second = try await client.openSession(ttlMs: 10_000)

            let granted = try await client.acquire("jobs", session: first)
            #expect(granted.status == 200)
            #expect(granted.bool("held") == true)
            let key = try #require(granted.string("key"))
            let token = try #require(granted.int("token"))
            #expect(key == "lock-0000000000")
            #expect(granted.string("path") == "/paddock/locks/jobs/\(key)")
            #expect(granted.string("session") == first)

            // A retry of the holder reuses its node: same key, same token.
            let again = try await client.acquire("jobs", session: first)
            #expect(again.string("key") == key)
            #expect(again.int("token") == token)

            // The second contender queues behind and, with no wait, answers at once.
            let queued = try await client.acquire("jobs", session: second)
            #expect(queued.bool("held") == false)
            #expect(queued.int("position") == 1)
            #expect(queued.int("ahead") == 1)
            let secondKey = try #require(queued.string("key"))

            let shown = try await client.send("GET", "/v1/locks/jobs")
            #expect(shown.status == 200)
            #expect(shown.json?["holder"]?["key"] == .string(key))
            #expect(shown.json?["holder"]?["token"]?.int64Value == token)
            guard case .array(let queue)? = shown.json?["queue"] else {
                Issue.record("no queue in \(shown.body)")
                return
            }
            #expect(queue.map { $0["key"] } == [.string(key), .string(secondKey)])

            // The second waits; the release wakes it with a larger token.
            async let waited = client.acquire("jobs", session: second, wait: "10s")
            #expect(await eventually { fixture.hub.watcherCount == 1 })
            let released = try await client.send("DELETE", "/v1/locks/jobs/\(key)")
            #expect(released.status == 200)
            #expect(released.bool("released") == true)
            let next = try await waited
            #expect(next.bool("held") == true)
            #expect(next.string("key") == secondKey)
            #expect(try #require(next.int("token")) > token)

            // The last release removes the lock's directory: nothing is left behind.
            _ = try await client.send("DELETE", "/v1/locks/jobs/\(secondKey)")
            let empty = try await client.send("GET", "/v1/locks/jobs")
            #expect(empty.json?["holder"] == .null)
            #expect(empty.json?["queue"] == .array([]))
            #expect((try fixture.replica.readNow(.serializable))?.tree.stat(at: path("/paddock/locks/jobs")) == nil)
        }
    }

    @Test func concurrentRetriesOfOneSessionQueueItOnce() async throws {
        try await WatchServerFixture.with { fixture in
            let client = CoordinationClient(port: fixture.port)
            let holder = try await client.openSession(ttlMs: 10_000)
            let retrier = try await client.openSession(ttlMs: 10_000)
            _ = try await client.acquire("once", session: holder)
            let keys = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await client.acquire("once", session: retrier).string("key") }
                }
                var keys: [String?] = []
                for try await key in group { keys.append(key) }
                return keys
            }
            #expect(Set(keys).count == 1, "\(keys)")
            #expect(keys.first??.isEmpty == false)
            let shown = try await client.send("GET", "/v1/locks/once")
            guard case .array(let queue)? = shown.json?["queue"] else {
                Issue.record("no queue in \(shown.body)")
                return
            }
            #expect(queue.count == 2)
        }
    }

    @Test func aFormBodyAcquiresAsCurlDashDSendsIt() async throws {
        try await WatchServerFixture.with { fixture in
            let client = CoordinationClient(port: fixture.port)
            let session = try await client.openSession(ttlMs: 10_000)
            let body = "session=\(session)&wait=1s"
            let request = "POST /v1/locks/form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
            let response = try #require(try await RawHTTPClient.exchange(port: fixture.port, request, count: 1).responses.first)
            #expect(response.status == 200, "\(response.body)")
            #expect(response.bool("held") == true)
            #expect(response.string("session") == session)
        }
    }

    @Test func waitRunsOutWithThePositionAndTheNodeStaysQueued() async throws {
        try await WatchServerFixture.with { fixture in
            let client = CoordinationClient(port: fixture.port)
            let holder = try await client.openSession(ttlMs: 10_000)
            let waiter = try await client.openSession(ttlMs: 10_000)
            _ = try await client.acquire("slow", session: holder)
            let clock = ContinuousClock()
            let started = clock.now
            let answer = try await client.acquire("slow", session: waiter, wait: "200ms")
            #expect(clock.now - started >= .milliseconds(200))
            #expect(answer.status == 200)
            #expect(answer.bool("held") == false)
            #expect(answer.int("position") == 1)
            // It stays queued, and the wait's watcher is gone.
            #expect(fixture.hub.watcherCount == 0)
            let shown = try await client.send("GET", "/v1/locks/slow")
            guard case .array(let queue)? = shown.json?["queue"] else {
                Issue.record("no queue in \(shown.body)")
                return
            }
            #expect(queue.count == 2)
        }
    }

    @Test func onlyTheOneJustBehindIsWokenWhenAWaiterInTheMiddleLeaves() async throws {
        try await WatchServerFixture.with { fixture in
            let client = CoordinationClient(port: fixture.port)
            var sessions: [String] = []
            for _ in 0..<3 { sessions.append(try await client.openSession(ttlMs: 10_000)) }
            let holder = try await client.acquire("chain", session: sessions[0])
            let middle = try await client.acquire("chain", session: sessions[1])
            let holderKey = try #require(holder.string("key"))
            let middleKey = try #require(middle.string("key"))
            async let last = client.acquire("chain", session: sessions[2], wait: "10s")
            #expect(await eventually { fixture.hub.watcherCount == 1 })
            // The middle one leaves: the last wakes, finds the holder ahead, waits again.
            _ = try await client.send("DELETE", "/v1/locks/chain/\(middleKey)")
            #expect(await eventually {
                let shown = try? await client.send("GET", "/v1/locks/chain")
                guard case .array(let queue)? = shown?.json?["queue"] else { return false }
                return queue.count == 2 && fixture.hub.watcherCount == 1
            })
            _ = try await client.send("DELETE", "/v1/locks/chain/\(holderKey)")
            let granted = try await last
            #expect(granted.bool("held") == true)
        }
    }

    @Test func fenceOpGuardsAWriteWithTheHoldersToken() async throws {
        try await WatchServerFixture.with { fixture in
            let client = CoordinationClient(port: fixture.port)
            let first = try await client.openSession(ttlMs: 10_000)
            let second = try await client.openSession(ttlMs: 10_000)
            let granted = try await client.acquire("db", session: first)
            let token = try #require(granted.int("token"))
            _ = try await client.send("POST", "/v1/nodes/counter", json: "{\"data\":\"0\"}")

            let fenced = try await client.send("POST", "/v1/txn", json: """
                {"ops":[{"op":"fence","lock":"db","token":\(token)},{"op":"set","path":"/counter","data":"1"}]}
                """)
            #expect(fenced.status == 200, "\(fenced.body)")
            #expect(fenced.body.contains("\"op\":\"fence\""))

            // The first holder's session ends; the second holds; the old token is stale.
            _ = try await client.acquire("db", session: second)
            _ = try await client.send("DELETE", "/v1/sessions/\(first)")
            let regranted = try await client.acquire("db", session: second)
            let newToken = try #require(regranted.int("token"))
            #expect(newToken > token)
            let stale = try await client.send("POST", "/v1/txn", json: """
                {"ops":[{"op":"set","path":"/counter","data":"stale"},{"op":"fence","lock":"db","token":\(token)}]}
                """)
            #expect(stale.status == 409)
            #expect(stale.code == "FenceMismatch")
            #expect(stale.int("opIndex") == 1)
            #expect(stale.string("detail")?.contains("has token \(newToken)") == true)
            let counter = try await client.send("GET", "/v1/nodes/counter")
            #expect(counter.string("data") == "1")
        }
    }

    @Test func badInputIsRefusedAndChangesNothing() async throws {
        try await WatchServerFixture.with { fixture in
            let client = CoordinationClient(port: fixture.port)
            let session = try await client.openSession(ttlMs: 10_000)
            let before = (try fixture.replica.readNow(.serializable))?.tree.nodeCount
            let cases: [(method: String, target: String, json: String?, status: Int, code: String)] = [
                ("POST", "/v1/locks/a", "{\"session\":\"00000000000000ab\"}", 410, "SessionExpired"),
                ("POST", "/v1/locks/a", "{\"session\":\"nope\"}", 400, "BadRequest"),
                ("POST", "/v1/locks/a", "{}", 400, "BadRequest"),
                ("POST", "/v1/locks/a", "{\"session\":\"\(session)\",\"wait\":-5}", 400, "BadRequest"),
                ("POST", "/v1/locks/a", "{\"session\":\"\(session)\",\"wait\":\"-1s\"}", 400, "BadRequest"),
                ("POST", "/v1/locks/a", "{\"session\":\"\(session)\",\"sesion\":1}", 400, "BadRequest"),
                ("POST", "/v1/locks/..", "{\"session\":\"\(session)\"}", 400, "BadRequest"),
                ("POST", "/v1/locks/a%2Fb", "{\"session\":\"\(session)\"}", 400, "BadRequest"),
                ("POST", "/v1/locks/\(String(repeating: "x", count: 65))", "{\"session\":\"\(session)\"}", 400, "BadRequest"),
                ("GET", "/v1/locks/bad%20name", nil, 400, "BadRequest"),
                ("DELETE", "/v1/locks/a/lock-0000000042", nil, 404, "NoNode"),
                ("DELETE", "/v1/locks/a/something", nil, 400, "BadRequest"),
                ("POST", "/v1/elections/e/campaign", "{\"session\":\"00000000000000ab\"}", 410, "SessionExpired"),
                ("POST", "/v1/elections/e/campaign", "{\"session\":\"\(session)\",\"wait\":\"-2s\"}", 400, "BadRequest"),
                ("POST", "/v1/elections/e/campaign", "{\"session\":\"\(session)\",\"value\":7}", 400, "BadRequest"),
                ("POST", "/v1/elections/e%2A/campaign", "{\"session\":\"\(session)\"}", 400, "BadRequest"),
                ("POST", "/v1/elections/e/resign", "{\"session\":\"\(session)\",\"key\":\"candidate-0000000003\"}", 404, "NoNode"),
                ("POST", "/v1/elections/e/proclaim", "{\"session\":\"\(session)\",\"key\":\"x\",\"value\":\"v\"}", 400, "BadRequest"),
                ("POST", "/v1/txn", "{\"ops\":[{\"op\":\"fence\",\"lock\":\"a\"}]}", 400, "BadRequest"),
                ("POST", "/v1/txn", "{\"ops\":[{\"op\":\"fence\",\"lock\":\"a\",\"election\":\"b\",\"token\":1}]}", 400, "BadRequest"),
                ("POST", "/v1/txn", "{\"ops\":[{\"op\":\"fence\",\"lock\":\"a\",\"token\":-1}]}", 400, "BadRequest"),
                ("POST", "/v1/txn", "{\"ops\":[{\"op\":\"fence\",\"lock\":\"a\",\"token\":7}]}", 409, "FenceMismatch"),
            ]
            for item in cases {
                let response = try await client.send(item.method, item.target, json: item.json)
                #expect(response.status == item.status, "\(item.method) \(item.target) \(item.json ?? ""): \(response.body)")
                #expect(response.code == item.code, "\(item.method) \(item.target): \(response.body)")
                #expect(response.headers["content-type"] == "application/problem+json", "\(item.target)")
                #expect(response.string("detail")?.isEmpty == false)
            }
            #expect((try fixture.replica.readNow(.serializable))?.tree.nodeCount == before)
        }
    }
}
