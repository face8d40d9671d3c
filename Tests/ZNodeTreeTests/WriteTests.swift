import Testing
import ZNodeTree

@Suite struct WriteTests {
    @Test func setDataBumpsVersionAndMtime() throws {
        var h = Harness()
        h.create("/a", "one")
        let output = h.apply(.setData(SetDataOp(path: p("/a"), data: b("two!"), expectedVersion: 0)), advanceMs: 50)
        guard case .setData(let stat) = output.result else {
            Issue.record("unexpected \(output.result)")
            return
        }
        #expect(stat.version == 1 && stat.mzxid == Zxid(2) && stat.czxid == Zxid(1))
        #expect(stat.mtimeMs == 1_051 && stat.ctimeMs == 1_001 && stat.dataLength == 4)
        #expect(output.events == [WatchEvent(zxid: Zxid(2), type: .changed, path: p("/a"), stat: stat, data: b("two!"))])
        #expect(h.set("/a", "three", version: 0).errorCode == .badVersion)
        #expect(h.set("/missing", "x").errorCode == .noNode)
        #expect(h.tree.node(at: p("/a"))?.data == b("two!"))
        #expect(h.set("/", "root data").errorCode == nil)
        #expect(h.tree.node(at: .root)?.data == b("root data"))
    }

    @Test func deleteUpdatesParent() throws {
        var h = Harness()
        h.create("/a")
        h.create("/a/b")
        let output = h.apply(.delete(DeleteOp(path: p("/a/b"), expectedVersion: 0)))
        #expect(output.result == .deleted(paths: [p("/a/b")]))
        let parent = try #require(h.tree.stat(at: p("/a")))
        #expect(parent.numChildren == 0 && parent.cversion == 2 && parent.pzxid == Zxid(3))
        #expect(output.events.map(\.type) == [.deleted, .childrenChanged])
        #expect(output.events[1].stat == parent)
        #expect(h.tree.node(at: p("/a/b")) == nil)
    }

    @Test(arguments: [
        ("/", Int64?.none, false, ErrorCode.badArguments),
        ("/", nil, true, .badArguments),
        ("/missing", nil, false, .noNode),
        ("/a", 3, false, .badVersion),
        ("/a", nil, false, .notEmpty),
        ("/a", 1, true, .badVersion),
    ])
    func deleteErrors(_ path: String, _ version: Int64?, _ recursive: Bool, _ code: ErrorCode) {
        var h = Harness()
        h.create("/a")
        h.create("/a/b")
        let before = h.tree.nodeCount
        let output = h.apply(.delete(DeleteOp(path: p(path), expectedVersion: version, recursive: recursive)))
        #expect(output.result.errorCode == code)
        #expect(output.events.isEmpty)
        #expect(h.tree.nodeCount == before)
    }

    @Test func recursiveDeleteRemovesDeepestFirst() {
        var h = Harness()
        for path in ["/a", "/a/b", "/a/c", "/a/b/d", "/a/b/e", "/keep"] { h.create(path) }
        let output = h.apply(.delete(DeleteOp(path: p("/a"), expectedVersion: 0, recursive: true)))
        let order = ["/a/b/d", "/a/b/e", "/a/b", "/a/c", "/a"]
        #expect(output.result == .deleted(paths: order.map(p)))
        #expect(output.events.map(\.path.string) == order + ["/"])
        #expect(output.events.map(\.type) == Array(repeating: .deleted, count: 5) + [.childrenChanged])
        #expect(h.tree.children(of: .root) == ["keep"])
        #expect(h.tree.nodeCount == 2)
    }

    @Test func checkInMultiDoesNotChangeAnything() {
        var h = Harness()
        h.create("/a")
        let output = h.apply(.multi([.check(CheckOp(path: p("/a"), expectedVersion: 0))]))
        #expect(output.result == .multi([.checked]))
        #expect(output.events.isEmpty)
        #expect(h.apply(.multi([.check(CheckOp(path: p("/b")))])).result.errorCode == .noNode)
        #expect(h.apply(.multi([.check(CheckOp(path: p("/a"), expectedVersion: 1))])).result.errorCode == .badVersion)
    }

    @Test func noopOnlyAdvances() {
        var h = Harness()
        h.create("/a")
        let before = h.tree.nodeCount
        let output = h.apply(.noop)
        #expect(output == ApplyOutput(result: .noop, events: []))
        #expect(h.tree.lastApplied == Zxid(2) && h.tree.nodeCount == before)
    }
}

@Suite struct SessionTests {
    @Test func openCloseAndErrors() {
        var h = Harness()
        #expect(h.openSession(5, ttlMs: 3_000) == .sessionOpened(SessionID(5), ttlMs: 3_000))
        #expect(h.openSession(5).errorCode == .badArguments)
        #expect(h.openSession(6, ttlMs: 0).errorCode == .badArguments)
        #expect(h.tree.session(SessionID(5)) == SessionInfo(id: SessionID(5), ttlMs: 3_000, ephemerals: []))
        #expect(h.apply(.closeSession(SessionID(6))).result.errorCode == .sessionExpired)
        #expect(h.apply(.closeSession(SessionID(5))).result == .sessionClosed([]))
        #expect(h.tree.session(SessionID(5)) == nil && h.tree.sessionCount == 0)
        #expect(h.create("/e", kind: .ephemeral, session: SessionID(5)).errorCode == .sessionExpired)
    }

    @Test func closeRemovesEphemeralsWithEvents() {
        var h = Harness()
        h.openSession(1)
        h.openSession(2)
        h.create("/locks")
        h.create("/locks/b", kind: .ephemeral, session: SessionID(1))
        h.create("/a", kind: .ephemeral, session: SessionID(1))
        h.create("/locks/other", kind: .ephemeral, session: SessionID(2))
        #expect(h.tree.session(SessionID(1))?.ephemerals == [p("/a"), p("/locks/b")])
        #expect(h.tree.sessions.map(\.id) == [SessionID(1), SessionID(2)])
        let output = h.apply(.closeSession(SessionID(1)))
        #expect(output.result == .sessionClosed([p("/a"), p("/locks/b")]))
        #expect(output.events.map(\.type) == [.deleted, .childrenChanged, .deleted, .childrenChanged])
        #expect(output.events.map(\.path.string) == ["/a", "/", "/locks/b", "/locks"])
        #expect(h.tree.children(of: p("/locks")) == ["other"])
        #expect(h.tree.sessionCount == 1)
    }

    @Test func expireSkipsUnknownAndSorts() {
        var h = Harness()
        h.openSession(3)
        h.openSession(1)
        h.create("/x", kind: .ephemeral, session: SessionID(3))
        h.create("/y", kind: .ephemeral, session: SessionID(1))
        let output = h.apply(.expireSessions([SessionID(3), SessionID(99), SessionID(1), SessionID(3)]))
        #expect(output.result == .sessionsExpired([SessionID(1), SessionID(3)]))
        #expect(output.events.filter { $0.type == .deleted }.map(\.path.string) == ["/y", "/x"])
        #expect(h.tree.sessionCount == 0 && h.tree.nodeCount == 1)
        #expect(h.apply(.expireSessions([SessionID(3)])).result == .sessionsExpired([]))
    }
}
