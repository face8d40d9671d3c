import Testing
import ZNodeTree

@Suite struct ContainerTests {
    @Test func emptyContainerGoesWithItsLastChild() {
        var h = Harness()
        h.create("/c", kind: .container)
        h.create("/c/inner", kind: .container)
        h.create("/c/inner/x")
        h.create("/c/other")
        #expect(h.delete("/c/inner/x") == .deleted(paths: [p("/c/inner/x"), p("/c/inner")]))
        #expect(h.tree.stat(at: p("/c")) != nil)
        let output = h.apply(.delete(DeleteOp(path: p("/c/other"))))
        #expect(output.result == .deleted(paths: [p("/c/other"), p("/c")]))
        #expect(output.events.map(\.type) == [.deleted, .childrenChanged, .deleted, .childrenChanged])
        #expect(output.events.map(\.path.string) == ["/c/other", "/c", "/c", "/"])
        #expect(h.tree.nodeCount == 1)
    }

    @Test func containerThatNeverHadAChildStays() {
        var h = Harness()
        h.create("/c", kind: .container)
        h.create("/p")
        h.create("/p/x")
        h.delete("/p/x")
        #expect(h.tree.stat(at: p("/c"))?.kind == .container)
        #expect(h.tree.stat(at: p("/p")) != nil)  // a persistent parent stays
    }

    @Test func cascadeStopsAtNonEmptyOrNonContainer() {
        var h = Harness()
        h.create("/p")
        h.create("/p/c1", kind: .container)
        h.create("/p/c1/c2", kind: .container)
        h.create("/p/c1/c2/leaf")
        #expect(h.delete("/p/c1/c2/leaf") == .deleted(paths: ["/p/c1/c2/leaf", "/p/c1/c2", "/p/c1"].map(p)))
        #expect(h.tree.children(of: p("/p")) == [])
    }

    @Test func ephemeralLeavingEmptiesContainer() {
        var h = Harness()
        h.openSession(4)
        h.create("/election", kind: .container)
        h.create("/election/n-", kind: .ephemeralSequential, session: SessionID(4))
        let output = h.apply(.expireSessions([SessionID(4)]))
        #expect(output.result == .sessionsExpired([SessionID(4)]))
        #expect(output.events.map(\.path.string) == ["/election/n-0000000000", "/election", "/election", "/"])
        #expect(h.tree.nodeCount == 1)
    }
}

@Suite struct TTLTests {
    @Test func expiredListsOnlyChildlessStaleTTLNodes() {
        var h = Harness()  // the harness clock starts at 1000 and advances 1 ms per entry
        h.create("/t1", ttlMs: 100, kind: .ttl)  // mtime 1001
        h.create("/t2", ttlMs: 500, kind: .ttl)  // mtime 1002
        h.create("/t3", ttlMs: 100, kind: .ttl)  // mtime 1003
        h.create("/t3/child")
        h.create("/p")
        #expect(h.tree.expiredTTLNodes(asOfMs: 1_100) == [])
        #expect(h.tree.expiredTTLNodes(asOfMs: 1_101) == [p("/t1")])
        #expect(h.tree.expiredTTLNodes(asOfMs: 10_000) == [p("/t1"), p("/t2")])
        h.set("/t1", "touch")  // mtime 1006 refreshes the TTL
        #expect(h.tree.expiredTTLNodes(asOfMs: 1_101) == [])
        #expect(h.tree.expiredTTLNodes(asOfMs: 1_106) == [p("/t1")])
    }

    @Test func expireRechecksAtEntryTime() {
        var h = Harness()
        h.create("/t", ttlMs: 100, kind: .ttl)  // mtime 1001
        h.create("/u", ttlMs: 1_000, kind: .ttl)  // mtime 1002
        h.create("/c", kind: .container)
        h.create("/c/t", ttlMs: 100, kind: .ttl)  // mtime 1004
        let early = h.apply(.expireTTLNodes([p("/t")]))  // time 1005: not yet
        #expect(early.result == .ttlNodesExpired([]))
        #expect(early.events.isEmpty)
        let output = h.apply(.expireTTLNodes([p("/u"), p("/t"), p("/c/t"), p("/missing"), p("/c")]), advanceMs: 200)
        #expect(output.result == .ttlNodesExpired([p("/c/t"), p("/t")]))
        #expect(output.events.filter { $0.type == .deleted }.map(\.path.string) == ["/c/t", "/c", "/t"])
        #expect(h.tree.children(of: .root) == ["u"])
        #expect(h.tree.expiredTTLNodes(asOfMs: .max) == [p("/u")])
    }
}

extension Harness {
    @discardableResult
    fileprivate mutating func create(_ path: String, ttlMs: Int64, kind: NodeKind) -> ApplyResult {
        create(path, kind: kind, ttlMs: ttlMs)
    }
}

@Suite struct MultiTests {
    @Test func allOpsApplyInOrder() {
        var h = Harness()
        h.create("/a", "1")
        let output = h.apply(.multi([
            .check(CheckOp(path: p("/a"), expectedVersion: 0)),
            .create(CreateOp(path: p("/a/s-"), kind: .sequential)),
            .setData(SetDataOp(path: p("/a"), data: b("2"), expectedVersion: 0)),
            .delete(DeleteOp(path: p("/a/s-0000000000"))),
        ]))
        guard case .multi(let results) = output.result, results.count == 4 else {
            Issue.record("unexpected \(output.result)")
            return
        }
        #expect(results[0] == .checked)
        #expect(results[3] == .deleted(path: p("/a/s-0000000000")))
        if case .created(let path, _) = results[1] { #expect(path == p("/a/s-0000000000")) } else { Issue.record("\(results[1])") }
        if case .setData(let stat) = results[2] { #expect(stat.version == 1) } else { Issue.record("\(results[2])") }
        #expect(output.events.map(\.type) == [.created, .childrenChanged, .changed, .deleted, .childrenChanged])
        #expect(output.events.allSatisfy { $0.zxid == Zxid(2) })
        #expect(h.tree.stat(at: p("/a"))?.cversion == 2)
    }

    @Test(arguments: [1, 2, 3])
    func failureChangesNothing(_ failingIndex: Int) {
        var h = Harness()
        h.openSession(1)
        h.create("/a")
        var ops: [Op] = [
            .create(CreateOp(path: p("/a/x"), kind: .sequential)),
            .setData(SetDataOp(path: p("/a"), data: b("changed"))),
            .delete(DeleteOp(path: p("/a/x0000000000"))),
            .create(CreateOp(path: p("/e"), kind: .ephemeral, session: SessionID(1))),
        ]
        let bad: [Op] = [
            .check(CheckOp(path: p("/a"), expectedVersion: 0)),  // version is 1 by then
            .delete(DeleteOp(path: p("/nope"))),
            .create(CreateOp(path: p("/a"))),
        ]
        ops.insert(bad[failingIndex - 1], at: failingIndex + 1)
        var expected = h
        expected.apply(.noop)
        let output = h.apply(.multi(ops))
        guard case .failed(let error) = output.result else {
            Issue.record("unexpected \(output.result)")
            return
        }
        #expect(error.opIndex == failingIndex + 1)
        #expect([ErrorCode.badVersion, .noNode, .nodeExists][failingIndex - 1] == error.code)
        #expect(output.events.isEmpty)
        #expect(h.tree.digest() == expected.tree.digest())
        #expect(h.tree.session(SessionID(1))?.ephemerals == [])
        // The counter did not move either: the next sequential create gets suffix 0.
        #expect(h.create("/a/x", kind: .sequential).createdPath == "/a/x0000000000")
    }

    @Test func emptyMulti() {
        var h = Harness()
        #expect(h.apply(.multi([])) == ApplyOutput(result: .multi([]), events: []))
    }
}

@Suite struct IdempotencyTests {
    @Test func retryReturnsFirstResult() {
        var h = Harness()
        let first = h.apply(.create(CreateOp(path: p("/s-"), kind: .sequential)), key: "k1")
        #expect(first.result.createdPath == "/s-0000000000")
        let retry = h.apply(.create(CreateOp(path: p("/s-"), kind: .sequential)), key: "k1")
        #expect(retry.result == first.result)
        #expect(retry.events.isEmpty)
        #expect(h.tree.nodeCount == 2)
        #expect(h.tree.lastApplied == Zxid(2))
        #expect(h.tree.idempotentResult(forKey: "k1")?.zxid == Zxid(1))
        #expect(h.tree.idempotentResult(forKey: "k1")?.result == first.result)
        #expect(h.tree.idempotentResult(forKey: "k2") == nil)
    }

    @Test func failuresAreRememberedToo() {
        var h = Harness()
        let first = h.apply(.delete(DeleteOp(path: p("/a"))), key: "del")
        #expect(first.result.errorCode == .noNode)
        h.create("/a")
        let retry = h.apply(.delete(DeleteOp(path: p("/a"))), key: "del")
        #expect(retry.result == first.result)
        #expect(h.tree.stat(at: p("/a")) != nil)
    }

    @Test func keysAreByteExact() {
        var h = Harness()
        h.apply(.create(CreateOp(path: p("/a"))), key: "\u{E9}")
        #expect(h.apply(.create(CreateOp(path: p("/b"))), key: "e\u{301}").result.createdPath == "/b")
    }

    @Test func evictedByAge() {
        var h = Harness(limits: .init(idempotencyRetentionMs: 1_000))
        h.apply(.create(CreateOp(path: p("/a"))), key: "old")  // time 1001
        h.apply(.noop, advanceMs: 1_000)  // time 2001: exactly at the edge, still kept
        #expect(h.tree.idempotentResult(forKey: "old") != nil)
        h.apply(.noop, advanceMs: 1)  // time 2002: gone
        #expect(h.tree.idempotentResult(forKey: "old") == nil)
        let again = h.apply(.create(CreateOp(path: p("/a"))), key: "old")
        #expect(again.result.errorCode == .nodeExists)  // applied again, not replayed
    }

    @Test func evictedByCountOldestFirst() {
        var h = Harness(limits: .init(idempotencyKeysMax: 3))
        for i in 0..<5 { h.apply(.noop, key: "k\(i)") }
        #expect((0..<5).map { h.tree.idempotentResult(forKey: "k\($0)") != nil } == [false, false, true, true, true])
        var restored = ZNodeTree()
        do { restored = try ZNodeTree(snapshot: h.tree.snapshot()) } catch { Issue.record("\(error)") }
        #expect(restored.idempotentResult(forKey: "k2")?.zxid == Zxid(3))
        #expect(restored.limits == h.tree.limits)
    }
}
