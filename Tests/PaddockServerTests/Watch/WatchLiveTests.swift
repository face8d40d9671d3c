import Foundation
import PaddockAPI
import PaddockTestSupport
import Testing
import ZNodeTree

@testable import PaddockServer

/// Watches against a real single-node member over HTTP on 127.0.0.1.
@Suite struct WatchLiveTests {
    @Test func streamDeliversEveryKindOfChangeWithIdsInOrder() async throws {
        try await WatchServerFixture.with { server in
            let start = server.hub.appliedZxid.rawValue
            let client = try await SSEClient.open(port: server.port, "/v1/watch/a")
            let head = await client.wait { $0.status != nil }
            #expect(head.status == 200)
            #expect(head.headers["content-type"] == "text/event-stream")
            #expect(head.headers["paddock-zxid"] == String(start))
            #expect(server.hub.watcherCount == 1)
            let z1 = try await server.write(createCommand("/a", "one"))
            let z2 = try await server.write(createCommand("/a/b", ""))
            let z3 = try await server.write(.setData(SetDataOp(path: path("/a"), data: Array("two".utf8), expectedVersion: nil)))
            let z4 = try await server.write(.delete(DeleteOp(path: path("/a/b"), expectedVersion: nil, recursive: false)))
            let z5 = try await server.write(.delete(DeleteOp(path: path("/a"), expectedVersion: nil, recursive: false)))
            let events = await client.events(5)
            #expect(events.map(\.event) == ["created", "children_changed", "changed", "children_changed", "deleted"])
            #expect(events.map(\.id) == [z1, z2, z3, z4, z5].map { String($0) })
            #expect(events.map(\.path) == Array(repeating: "/a", count: 5))
            #expect(events.map(\.zxid) == [z1, z2, z3, z4, z5].map { Int64($0) })
            if case .string(let data)? = events.first?.json?["data"] { #expect(data == "one") } else { Issue.record("no data") }
            #expect(events[1].json?["stat"]?["numChildren"]?.int64Value == 1)
            await client.close()
            #expect(await eventually { server.hub.watcherCount == 0 })
        }
    }

    @Test func eventsOfOneEntryShareOneIdOnTheLast() async throws {
        try await WatchServerFixture.with { server in
            let client = try await SSEClient.open(port: server.port, "/v1/watch/?recursive&encoding=base64")
            _ = await client.wait { $0.status != nil }
            let zxid = try await server.write(createCommand("/p", "hi"))
            let events = await client.events(1)
            #expect(events.map(\.event) == ["created"])
            #expect(events.first?.id == String(zxid))
            if case .string(let data)? = events.first?.json?["data"] { #expect(data == "aGk=") } else { Issue.record("no data") }
            // One entry creating a parent and a child: two events, the id on the last only.
            let op = CreateOp(path: path("/g/h"), data: [], kind: .persistent, session: nil, ttlMs: nil, createParents: true)
            let group = try await server.write(.create(op))
            let three = await client.events(3)
            #expect(three.dropFirst().map(\.path) == ["/g", "/g/h"])
            #expect(three.dropFirst().map(\.id) == [nil, String(group)])
            #expect(three.dropFirst().map(\.zxid) == [Int64(group), Int64(group)])
            // A plain watch of / resumed from before both entries sees their children_changed.
            let both = try await SSEClient.open(port: server.port, "/v1/watch?since=\(zxid - 1)")
            let pair = await both.events(2)
            #expect(pair.map(\.event) == ["children_changed", "children_changed"])
            #expect(pair.map(\.id) == [String(zxid), String(group)])
            await client.close()
            await both.close()
        }
    }

    @Test func resumeWithLastEventIDGetsExactlyTheRest() async throws {
        try await WatchServerFixture.with { server in
            try await server.write(createCommand("/r", "0"))
            let first = try await SSEClient.open(port: server.port, "/v1/watch/r")
            _ = await first.wait { $0.status != nil }
            var zxids: [UInt64] = []
            for round in 1...3 {
                zxids.append(try await server.write(.setData(SetDataOp(path: path("/r"), data: Array("\(round)".utf8), expectedVersion: nil))))
            }
            let seen = await first.events(3)
            #expect(seen.compactMap(\.id) == zxids.map { String($0) })
            await first.close()
            for round in 4...8 {
                zxids.append(try await server.write(.setData(SetDataOp(path: path("/r"), data: Array("\(round)".utf8), expectedVersion: nil))))
            }
            let resumed = try await SSEClient.open(port: server.port, "/v1/watch/r?since=1", headers: [("Last-Event-ID", seen.last?.id ?? "")])
            let rest = await resumed.events(5)
            #expect(rest.compactMap(\.id) == zxids.dropFirst(3).map { String($0) })
            let data = rest.compactMap { event -> String? in
                if case .string(let text)? = event.json?["data"] { return text } else { return nil }
            }
            #expect(data == ["4", "5", "6", "7", "8"])
            // Nothing more comes: a further write is the next and only event.
            let last = try await server.write(.setData(SetDataOp(path: path("/r"), data: Array("9".utf8), expectedVersion: nil)))
            let after = await resumed.events(6)
            #expect(after.count == 6)
            #expect(after.last?.id == String(last))
            await resumed.close()
        }
    }

    @Test func initialSnapshotAndChangesMeetWithNoGapAndNoOverlap() async throws {
        try await WatchServerFixture.with { server in
            try await server.write(createCommand("/c", ""))
            for key in 0..<10 { try await server.write(createCommand("/c/k\(key)", "0")) }
            let writer = Task {
                for round in 1...200 {
                    let op = SetDataOp(path: path("/c/k\(round % 10)"), data: Array("\(round)".utf8), expectedVersion: nil)
                    _ = try await server.replica.propose(.setData(op), idempotencyKey: nil)
                }
            }
            // Opens the stream while the writer runs.
            _ = await eventually { server.hub.appliedZxid.rawValue >= 40 }
            let client = try await SSEClient.open(port: server.port, "/v1/watch/c?recursive&initial")
            try await writer.value
            let finalZxid = server.hub.appliedZxid
            let received = await client.wait { received in
                received.events.last.flatMap { $0.id.flatMap(UInt64.init) } == finalZxid.rawValue
            }
            let events = received.events
            guard let synced = events.firstIndex(where: { $0.event == "synced" }), let syncedZxid = events[synced].id.flatMap(Int64.init) else {
                Issue.record("no synced event in \(events.count) events")
                return
            }
            let initial = events[..<synced]
            let changes = events[(synced + 1)...]
            #expect(initial.count == 11)
            #expect(initial.allSatisfy { $0.event == "initial" && $0.id == nil })
            #expect(initial.allSatisfy { ($0.json?["stat"]?["mzxid"]?.int64Value ?? .max) <= syncedZxid })
            #expect(changes.allSatisfy { ($0.zxid ?? 0) > syncedZxid })
            let changeZxids = changes.compactMap(\.zxid)
            #expect(changeZxids == changeZxids.sorted())
            #expect(Set(changeZxids).count == changeZxids.count)
            // Replaying the changes on the snapshot gives the member's final state.
            var state: [String: String] = [:]
            for event in events where event.event == "initial" || event.event == "changed" {
                if let path = event.path, case .string(let data)? = event.json?["data"] { state[path] = data }
            }
            let view = try await server.replica.read(.linearizable)
            for key in 0..<10 {
                let expected = view.tree.node(at: path("/c/k\(key)")).map { String(decoding: $0.data, as: UTF8.self) }
                #expect(state["/c/k\(key)"] == expected)
            }
            #expect(changes.count == Int(finalZxid.rawValue) - Int(syncedZxid))
            await client.close()
        }
    }

    @Test func longPollAnswersEventsOrNothingAtTheDeadline() async throws {
        try await WatchServerFixture.with { server in
            let created = try await server.write(createCommand("/l", "x"))
            let changed = try await server.write(.setData(SetDataOp(path: path("/l"), data: Array("y".utf8), expectedVersion: nil)))
            let answer = try await server.get("/v1/watch/l?since=\(created)&wait=5s")
            #expect(answer?.status == 200)
            guard case .array(let events)? = answer?.json?["events"] else {
                Issue.record("no events in \(answer?.body ?? "")")
                return
            }
            #expect(events.map { $0["zxid"]?.int64Value } == [Int64(changed)])
            #expect(answer?.json?["zxid"]?.int64Value == Int64(changed))
            let empty = try await server.get("/v1/watch/l?since=\(changed)&wait=100ms")
            #expect(empty?.status == 200)
            #expect(empty?.json?["events"] == .array([]))
            #expect(empty?.json?["zxid"]?.int64Value == Int64(server.hub.appliedZxid.rawValue))
            #expect(server.hub.watcherCount == 0)
            // A live answer: the poll waits, the write ends it.
            let poll = Task { try await server.get("/v1/watch/l?wait=20s") }
            #expect(await eventually { server.hub.watcherCount == 1 })
            let third = try await server.write(.setData(SetDataOp(path: path("/l"), data: Array("z".utf8), expectedVersion: nil)))
            let live = try await poll.value
            #expect(live?.json?["zxid"]?.int64Value == Int64(third))
            #expect(live?.headers["paddock-zxid"] == String(third))
        }
    }

    @Test func onceDeliversOneEventThenEnds() async throws {
        try await WatchServerFixture.with { server in
            try await server.write(createCommand("/o", ""))
            let client = try await SSEClient.open(port: server.port, "/v1/watch/o?once")
            _ = await client.wait { $0.status != nil }
            let first = try await server.write(createCommand("/o/a", ""))
            try await server.write(createCommand("/o/b", ""))
            let received = await client.wait { $0.ended && $0.closed }
            #expect(received.ended)
            #expect(received.events.map(\.event) == ["children_changed"])
            #expect(received.events.map(\.id) == [String(first)])
            #expect(await eventually { server.hub.watcherCount == 0 })
            let poll = try await server.get("/v1/watch/o?once&since=1&wait=1s")
            guard case .array(let events)? = poll?.json?["events"] else {
                Issue.record("no events")
                return
            }
            #expect(events.count == 1)
        }
    }

    @Test func badInputIsRefusedAndChangesNothing() async throws {
        var limits = Limits()
        limits.proposalWaitMs = 200
        limits.watchHistoryEventsMax = 4
        try await WatchServerFixture.with(limits: limits) { server in
            try await server.write(createCommand("/b", ""))
            for round in 0..<5 {
                try await server.write(.setData(SetDataOp(path: path("/b"), data: Array("\(round)".utf8), expectedVersion: nil)))
            }
            let applied = server.hub.appliedZxid.rawValue
            let cases: [(String, [(String, String)], Int, String)] = [
                ("/v1/watch/a//b", [], 400, "InvalidPath"),
                ("/v1/watch/b?since=abc", [], 400, "BadRequest"),
                ("/v1/watch/b?since=-1", [], 400, "BadRequest"),
                ("/v1/watch/b", [("Last-Event-ID", "x1")], 400, "BadRequest"),
                ("/v1/watch/b?wait=-1s", [], 400, "BadRequest"),
                ("/v1/watch/b?wait=1h", [], 400, "BadRequest"),
                ("/v1/watch/b?since=1&initial", [], 400, "BadRequest"),
                ("/v1/watch/b?initial&wait=1s", [], 400, "BadRequest"),
                ("/v1/watch/b?bogus=1", [], 400, "BadRequest"),
                ("/v1/watch/b?since=\(applied + 1_000)", [], 503, "Unavailable"),
                ("/v1/watch/b?since=\(applied + 1_000)&wait=1s", [], 503, "Unavailable"),
                ("/v1/watch/b?since=1", [], 410, "Compacted"),
                ("/v1/watch/b?since=1&wait=1s", [], 410, "Compacted"),
            ]
            for (target, headers, status, code) in cases {
                let answer = try await server.get(target, headers: headers)
                #expect(answer?.status == status, "\(target)")
                #expect(answer?.code == code, "\(target)")
                #expect(answer?.headers["content-type"] == "application/problem+json", "\(target)")
            }
            let compacted = try await server.get("/v1/watch/b?since=1")
            let oldest = server.hub.oldestResumableZxid.rawValue
            #expect(oldest > 1)
            #expect(compacted?.json?["oldestZxid"]?.int64Value == Int64(oldest))
            #expect(compacted?.headers["paddock-oldest-zxid"] == String(oldest))
            #expect(server.hub.appliedZxid.rawValue == applied)
            #expect(server.hub.watcherCount == 0)
            // The documented recovery works: initial from now.
            let recovered = try await SSEClient.open(port: server.port, "/v1/watch/b?initial")
            let events = await recovered.events(2)
            #expect(events.map(\.event) == ["initial", "synced"])
            #expect(events.last?.id == String(applied))
            await recovered.close()
        }
    }

    @Test func aLaggingSinceIsWaitedFor() async throws {
        try await WatchServerFixture.with { server in
            let next = server.hub.appliedZxid.rawValue + 1
            let client = try await SSEClient.open(port: server.port, "/v1/watch/w", headers: [("Last-Event-ID", String(next))])
            // The head comes only once `next` is applied here; the write makes it so.
            try await server.write(createCommand("/x", ""))
            let head = await client.wait { $0.status != nil }
            #expect(head.status == 200)
            #expect(head.headers["paddock-zxid"] == String(next))
            await client.close()
        }
    }

    @Test func aThousandWatchersOfOnePathEachGetTheChange() async throws {
        try await WatchServerFixture.with { server in
            try await server.write(createCommand("/many", ""))
            var clients: [SSEClient] = []
            for _ in 0..<1_000 {
                clients.append(try await SSEClient.open(port: server.port, "/v1/watch/many"))
            }
            #expect(await eventually { server.hub.watcherCount == 1_000 })
            let zxid = try await server.write(.setData(SetDataOp(path: path("/many"), data: Array("go".utf8), expectedVersion: nil)))
            var delivered = 0
            for client in clients {
                let events = await client.events(1, timeoutMs: 10_000)
                if events.map(\.id) == [String(zxid)] { delivered += 1 }
            }
            #expect(delivered == 1_000)
            for client in clients { await client.close() }
            #expect(await eventually { server.hub.watcherCount == 0 })
        }
    }

    @Test func aConsumerThatNeverReadsGetsOverflowAndLeavesTheHub() async throws {
        var limits = Limits()
        limits.watchBufferEventsMax = 20
        limits.watchBufferBytesMax = 1_048_576
        try await WatchServerFixture.with(limits: limits) { server in
            try await server.write(createCommand("/s", ""))
            let client = try await SSEClient.open(port: server.port, "/v1/watch/s", autoRead: false)
            #expect(await eventually { server.hub.watcherCount == 1 })
            let value = Array(repeating: UInt8(ascii: "v"), count: 64 * 1_024)
            var writes = 0
            // Bounded: the kernel buffers of a local socket hold a few MB at most.
            while server.hub.counters.overflows == 0 && writes < 2_000 {
                try await server.write(.setData(SetDataOp(path: path("/s"), data: value, expectedVersion: nil)))
                writes += 1
            }
            #expect(server.hub.counters.overflows == 1)
            #expect(server.hub.watcherCount == 0)
            let lastWrite = try await server.write(.setData(SetDataOp(path: path("/s"), data: value, expectedVersion: nil)))
            try await client.startReading()
            let received = await client.wait { $0.ended || $0.closed }
            let final = received.events.last
            #expect(final?.event == "overflow")
            let delivered = received.events.dropLast()
            // The overflow names the last zxid delivered: the last event's, or (when the
            // buffer filled before anything reached the socket) where the stream started.
            let resumeAfter = delivered.last.flatMap { $0.id.flatMap(Int64.init) }
                ?? received.headers["paddock-zxid"].flatMap(Int64.init)
            #expect(final?.json?["zxid"]?.int64Value == resumeAfter)
            #expect(delivered.count < writes)
            #expect(delivered.allSatisfy { ($0.zxid ?? .max) < Int64(lastWrite) })
            let ids = delivered.compactMap { $0.id.flatMap(Int64.init) }
            #expect(ids == ids.sorted() && ids.count == delivered.count)
        }
    }

    @Test func stoppingTheHubEndsStreamsAtOnce() async throws {
        try await WatchServerFixture.with { server in
            let client = try await SSEClient.open(port: server.port, "/v1/watch/?recursive")
            let head = await client.wait { $0.status != nil }
            #expect(head.status == 200)
            let hub: WatchHub = server.hub
            hub.shutdown()
            let ended = await client.wait { $0.ended }.ended
            #expect(ended)
            let status = try await server.get("/v1/watch/a")?.status
            #expect(status == 503)
        }
    }

    @Test func closingTheServerEndsStreamsWithoutWaitingForThem() async throws {
        let directory = try TempDirectory("watch-close")
        defer { directory.remove() }
        var limits = Limits()
        limits.proposalWaitMs = 60_000  // the server's drain timeout: far longer than the wait below
        let replica = try SingleNodeReplica.start(directory: directory.path, watchHub: WatchHub(limits: limits))
        let server = try await PaddockHTTPServer.start(host: "127.0.0.1", port: 0, replica: replica, limits: limits)
        let client = try await SSEClient.open(port: server.port, "/v1/watch/?recursive")
        let status = await client.wait { $0.status != nil }.status
        #expect(status == 200)
        let clock = ContinuousClock()
        let started = clock.now
        try await server.close()
        #expect(clock.now - started < .seconds(20))
        let ended = await client.wait { $0.ended && $0.closed }
        #expect(ended.ended)
        #expect(await eventually { replica.watchHub.watcherCount == 0 })
        await replica.shutdown()
    }

    @Test func idleStreamsGetHeartbeats() async throws {
        var limits = Limits()
        limits.watchHeartbeatMs = 50
        try await WatchServerFixture.with(limits: limits) { server in
            let client = try await SSEClient.open(port: server.port, "/v1/watch/quiet")
            let received = await client.wait { $0.heartbeats >= 3 }
            #expect(received.heartbeats >= 3)
            #expect(received.events.isEmpty)
            await client.close()
        }
    }

    @Test func concurrentWritersAreStreamedOnceEachInZxidOrder() async throws {
        try await WatchServerFixture.with { server in
            try await server.write(createCommand("/k", ""))
            for writer in 0..<5 { try await server.write(createCommand("/k/w\(writer)", "")) }
            let start = server.hub.appliedZxid.rawValue
            let client = try await SSEClient.open(port: server.port, "/v1/watch/k?recursive")
            _ = await client.wait { $0.status != nil }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<5 {
                    group.addTask {
                        for round in 0..<100 {
                            let op = SetDataOp(path: path("/k/w\(writer)"), data: Array("\(round)".utf8), expectedVersion: nil)
                            _ = try await server.replica.propose(.setData(op), idempotencyKey: nil)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let end = server.hub.appliedZxid.rawValue
            let events = await client.events(500)
            let ids = events.compactMap { $0.id.flatMap(UInt64.init) }
            #expect(events.count == 500)
            #expect(ids == Array((start + 1)...end))
            // Each writer's values arrive in the order it wrote them.
            for writer in 0..<5 {
                let values = events.filter { $0.path == "/k/w\(writer)" }.compactMap { event -> String? in
                    if case .string(let text)? = event.json?["data"] { return text } else { return nil }
                }
                #expect(values == (0..<100).map(String.init))
            }
            #expect(server.replica.counters.transactionsCommitted < server.replica.counters.entriesApplied)
            await client.close()
        }
    }

    @Test func initialOfAMissingNodeIsOnlySyncedThenItsCreation() async throws {
        try await WatchServerFixture.with { server in
            let client = try await SSEClient.open(port: server.port, "/v1/watch/later?initial")
            let synced = await client.events(1)
            #expect(synced.map(\.event) == ["synced"])
            let zxid = try await server.write(createCommand("/later", "now"))
            let events = await client.events(2)
            #expect(events.map(\.event) == ["synced", "created"])
            #expect(events.last?.id == String(zxid))
            await client.close()
        }
    }

    @Test func aRestartedMemberResumesFromItsRecoveredZxidOnly() async throws {
        let directory = try TempDirectory("watch-restart")
        defer { directory.remove() }
        let first = try SingleNodeReplica.start(directory: directory.path)
        for key in 0..<3 { _ = try await first.propose(createCommand("/n\(key)", ""), idempotencyKey: nil) }
        #expect(await eventually { first.watchHub.appliedZxid == first.status.appliedZxid })
        #expect(first.watchHub.oldestResumableZxid == .zero)
        let before = first.status.appliedZxid
        await first.shutdown()
        let second = try SingleNodeReplica.start(directory: directory.path)
        #expect(second.watchHub.oldestResumableZxid == before)
        let filter = WatchFilter(path: .root, recursive: true)
        #expect(second.watchHub.register(RecordingSink(), filter: filter, start: .after(Zxid(before.rawValue - 1))) == .compacted(oldest: before))
        let sink = RecordingSink()
        #expect(second.watchHub.register(sink, filter: filter, start: .after(before)) == .started(startZxid: before))
        let zxid = try await second.propose(createCommand("/n3", ""), idempotencyKey: nil).zxid
        #expect(await eventually { sink.events.count == 1 })
        #expect(sink.events.map(\.zxid) == [zxid])
        await second.shutdown()
    }
}
