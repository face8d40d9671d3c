import Testing
import ZNodeTree

@Suite struct CreateTests {
    @Test func createSetsStatsAndParent() throws {
        var h = Harness()
        let output = h.apply(.create(CreateOp(path: p("/a"), data: b("hello"))))
        guard case .created(let path, let stat) = output.result else {
            Issue.record("unexpected \(output.result)")
            return
        }
        #expect(path == p("/a"))
        #expect(stat.czxid == Zxid(1) && stat.mzxid == Zxid(1) && stat.pzxid == Zxid(1))
        #expect(stat.ctimeMs == 1_001 && stat.mtimeMs == 1_001)
        #expect(stat.version == 0 && stat.cversion == 0 && stat.dataLength == 5 && stat.numChildren == 0)
        #expect(stat.kind == .persistent && stat.ephemeralOwner == nil && stat.ttlMs == nil)
        #expect(h.tree.node(at: p("/a"))?.data == b("hello"))
        let root = try #require(h.tree.stat(at: .root))
        #expect(root.numChildren == 1 && root.cversion == 1 && root.pzxid == Zxid(1) && root.mzxid == .zero)
        #expect(output.events.map(\.type) == [.created, .childrenChanged])
        #expect(output.events.map(\.path) == [p("/a"), .root])
        #expect(output.events[0].data == b("hello"))
        #expect(output.events[1].stat == root)
        #expect(output.events.allSatisfy { $0.zxid == Zxid(1) })
        #expect(h.tree.lastApplied == Zxid(1))
        #expect(h.tree.nodeCount == 2)
    }

    @Test func childrenAreSortedAndNilForMissing() {
        var h = Harness()
        for name in ["c", "a", "b", "a-b"] { h.create("/" + name) }
        #expect(h.tree.children(of: .root) == ["a", "a-b", "b", "c"])
        #expect(h.tree.children(of: p("/a")) == [])
        #expect(h.tree.children(of: p("/zz")) == nil)
    }

    @Test(arguments: [
        // (setup paths, create path, kind, session, ttl, expected error)
        ([String](), "/a/b", NodeKind.persistent, UInt64?.none, Int64?.none, ErrorCode.noNode),
        (["/a"], "/a", .persistent, nil, nil, .nodeExists),
        ([], "/", .persistent, nil, nil, .nodeExists),
        ([], "/", .sequential, nil, nil, .badArguments),
        ([], "/t", .ttl, nil, nil, .badArguments),
        ([], "/t", .ttl, nil, 0, .badArguments),
        ([], "/t", .persistent, nil, 5, .badArguments),
        ([], "/e", .ephemeral, nil, nil, .badArguments),
        ([], "/e", .ephemeral, 99, nil, .sessionExpired),
        ([], "/e", .ephemeralSequential, 99, nil, .sessionExpired),
        ([], "/e", .persistent, 7, nil, .badArguments),
        ([], "/e", .container, 7, nil, .badArguments),
    ])
    func createErrors(
        _ setup: [String], _ path: String, _ kind: NodeKind, _ session: UInt64?, _ ttlMs: Int64?, _ code: ErrorCode
    ) {
        var h = Harness()
        h.openSession(7)
        for s in setup { h.create(s) }
        let output = h.apply(.create(CreateOp(path: p(path), kind: kind, session: session.map { SessionID($0) }, ttlMs: ttlMs)))
        #expect(output.result.errorCode == code)
        #expect(output.events.isEmpty)
        var replay = Harness()
        replay.openSession(7)
        for s in setup { replay.create(s) }
        replay.apply(.noop)
        #expect(h.tree.snapshot() == replay.tree.snapshot())  // a failure changes no more than a noop
    }

    @Test func ephemeralParentRejectsChildren() {
        var h = Harness()
        h.openSession(7)
        #expect(h.create("/e", kind: .ephemeral, session: SessionID(7)).createdPath == "/e")
        let result = h.create("/e/child")
        guard case .failed(let error) = result else {
            Issue.record("unexpected \(result)")
            return
        }
        #expect(error.code == .noChildrenForEphemerals && error.path == p("/e"))
        #expect(h.create("/e/x/y", parents: true).errorCode == .noChildrenForEphemerals)
        #expect(h.tree.nodeCount == 2)
    }

    @Test func createParentsMakesEachMissingAncestor() throws {
        var h = Harness()
        h.create("/a")
        let output = h.apply(.create(CreateOp(path: p("/a/b/c/d"), data: b("x"), createParents: true)))
        #expect(output.result.createdPath == "/a/b/c/d")
        #expect(output.events.map(\.type) == [.created, .childrenChanged, .created, .childrenChanged, .created, .childrenChanged])
        #expect(output.events.map(\.path.string) == ["/a/b", "/a", "/a/b/c", "/a/b", "/a/b/c/d", "/a/b/c"])
        let mid = try #require(h.tree.stat(at: p("/a/b/c")))
        #expect(mid.kind == .persistent && mid.czxid == Zxid(2) && mid.numChildren == 1)
        #expect(h.tree.node(at: p("/a/b"))?.data == [])
        #expect(h.tree.node(at: p("/a/b/c/d"))?.data == b("x"))
        #expect(h.create("/a/b/c/d", parents: true).errorCode == .nodeExists)
    }

    @Test func sequentialCounterNeverRepeats() {
        var h = Harness()
        h.create("/q")
        var names: [String] = []
        for _ in 0..<3 { names.append(h.create("/q/job-", kind: .sequential).createdPath ?? "?") }
        #expect(names == ["/q/job-0000000000", "/q/job-0000000001", "/q/job-0000000002"])
        h.delete("/q/job-0000000002")
        h.delete("/q/job-0000000001")
        h.create("/q/plain")  // ordinary children do not use the counter
        #expect(h.create("/q/job-", kind: .sequential).createdPath == "/q/job-0000000003")
    }

    @Test func sequentialUnderRootAndEphemeralSequential() throws {
        var h = Harness()
        h.openSession(9)
        #expect(h.create("/n", kind: .sequential).createdPath == "/n0000000000")
        let result = h.create("/e", kind: .ephemeralSequential, session: SessionID(9))
        #expect(result.createdPath == "/e0000000001")
        #expect(h.tree.session(SessionID(9))?.ephemerals == [p("/e0000000001")])
        #expect(h.tree.stat(at: p("/e0000000001"))?.ephemeralOwner == SessionID(9))
    }

    @Test func sequentialSuffixPastTheLimitIsInvalidPath() {
        var h = Harness(limits: .init(pathBytesMax: 20))
        #expect(h.create("/abcdefghij", kind: .sequential).errorCode == .invalidPath)  // 11 + 10 bytes
        #expect(h.create("/abcdefghi", kind: .sequential).createdPath == "/abcdefghi0000000000")
        #expect(h.create("/abcdefghijklmnopqrstu").errorCode == .invalidPath)
    }

    @Test func createParentsWithSequentialStartsAFreshCounter() {
        var h = Harness()
        #expect(h.create("/x/y/s-", kind: .sequential, parents: true).createdPath == "/x/y/s-0000000000")
        #expect(h.create("/x/y/s-", kind: .sequential, parents: true).createdPath == "/x/y/s-0000000001")
    }
}
