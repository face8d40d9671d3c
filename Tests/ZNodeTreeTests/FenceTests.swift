import Testing
import ZNodeTree

/// The `fence` op: a multi applies only while a queue's head carries the given token.
@Suite struct FenceTests {
    /// A tree with session 1 and 2 each queued once under the container `/q`; returns the
    /// harness and both children's (path, czxid), oldest first.
    static func queue() -> (Harness, [(path: ZNodePath, token: Zxid)]) {
        var harness = Harness()
        harness.openSession(1)
        harness.openSession(2)
        harness.create("/q", kind: .container)
        var children: [(ZNodePath, Zxid)] = []
        for session in [1, 2] as [UInt64] {
            guard case .created(let path, let stat) = harness.create(
                "/q/lock-", kind: .ephemeralSequential, session: SessionID(session))
            else { preconditionFailure("queueing failed") }
            children.append((path, stat.czxid))
        }
        return (harness, children)
    }

    @Test func headIsTheOldestChild() {
        let (harness, children) = Self.queue()
        let head = harness.tree.queueHead(of: p("/q"))
        #expect(head?.name == "lock-0000000000")
        #expect(head?.stat.czxid == children[0].token)
        #expect(children[0].token < children[1].token)
        #expect(harness.tree.queueHead(of: p("/missing")) == nil)
    }

    @Test func currentTokenPassesAndTheWriteApplies() {
        var (harness, children) = Self.queue()
        harness.create("/guarded", "0")
        let result = harness.apply(.multi([
            .fence(FenceOp(directory: p("/q"), token: children[0].token)),
            .setData(SetDataOp(path: p("/guarded"), data: b("1"))),
        ])).result
        guard case .multi(let results) = result else {
            Issue.record("expected a multi result, got \(result)")
            return
        }
        #expect(results.count == 2)
        #expect(results.first == .checked)
        #expect(harness.tree.node(at: p("/guarded"))?.data == b("1"))
    }

    @Test func staleTokenFailsTheWholeMultiAndNamesTheCurrentOne() {
        var (harness, children) = Self.queue()
        harness.create("/guarded", "0")
        // The first holder's session ends: the second child is the head now.
        harness.apply(.closeSession(SessionID(1)))
        let before = harness.tree
        let output = harness.apply(.multi([
            .setData(SetDataOp(path: p("/guarded"), data: b("stale"))),
            .fence(FenceOp(directory: p("/q"), token: children[0].token)),
        ]))
        guard case .failed(let error) = output.result else {
            Issue.record("expected a failure, got \(output.result)")
            return
        }
        #expect(error.code == .fenceMismatch)
        #expect(error.opIndex == 1)
        #expect(error.path == p("/q"))
        #expect(error.message.contains("has token \(children[1].token)"))
        #expect(output.events.isEmpty)
        #expect(harness.tree.node(at: p("/guarded"))?.data == b("0"))
        #expect(harness.tree.node(at: p("/guarded"))?.stat == before.node(at: p("/guarded"))?.stat)
    }

    @Test func emptyOrMissingQueueHasNoHolder() {
        var (harness, children) = Self.queue()
        harness.apply(.closeSession(SessionID(1)))
        harness.apply(.closeSession(SessionID(2)))
        // The container went with its last child.
        #expect(harness.tree.node(at: p("/q")) == nil)
        let result = harness.apply(.multi([.fence(FenceOp(directory: p("/q"), token: children[1].token))])).result
        guard case .failed(let error) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(error.code == .fenceMismatch)
        #expect(error.message.contains("no holder"))
    }

    @Test func tokensKeepGrowingAfterTheQueueIsRemadeAndAFenceOpCanCreate() {
        var (harness, children) = Self.queue()
        harness.apply(.closeSession(SessionID(1)))
        harness.apply(.closeSession(SessionID(2)))
        harness.openSession(3)
        // Remake the container and queue in one multi, fenced by nothing yet.
        let result = harness.apply(.multi([
            .create(CreateOp(path: p("/q"), kind: .container)),
            .create(CreateOp(path: p("/q/lock-"), kind: .ephemeralSequential, session: SessionID(3))),
        ])).result
        guard case .multi(let results) = result, case .created(let path, let stat) = results[1] else {
            Issue.record("expected two creates, got \(result)")
            return
        }
        // The counter restarted with the container, the token did not.
        #expect(path == p("/q/lock-0000000000"))
        #expect(stat.czxid > children[1].token)
        let fenced = harness.apply(.multi([
            .fence(FenceOp(directory: p("/q"), token: stat.czxid)),
            .create(CreateOp(path: p("/written"), data: b("by 3"))),
        ])).result
        #expect(harness.tree.node(at: p("/written"))?.data == b("by 3"), "\(fenced)")
    }

    @Test(arguments: [0, 1, UInt64.max] as [UInt64])
    func codecRoundTrip(token: UInt64) throws {
        let entry = Entry(zxid: Zxid(7), timeMs: 3, command: .multi([
            .fence(FenceOp(directory: p("/paddock/locks/a.b-c"), token: Zxid(token))),
            .setData(SetDataOp(path: p("/x"), data: [1])),
        ]))
        let bytes = entry.encoded()
        #expect(try Entry(decoding: bytes, zxid: entry.zxid) == entry)
        for length in 0..<bytes.count {
            #expect(throws: CodecError.self) { try Entry(decoding: Array(bytes[..<length]), zxid: entry.zxid) }
        }
    }

    @Test func failureRoundTripsThroughTheSnapshotCodec() throws {
        var (harness, _) = Self.queue()
        let output = harness.apply(
            .multi([.fence(FenceOp(directory: p("/q"), token: Zxid(999)))]), key: "fenced-retry")
        guard case .failed(let error) = output.result else {
            Issue.record("expected a failure, got \(output.result)")
            return
        }
        #expect(error.code == .fenceMismatch)
        let restored = try ZNodeTree(snapshot: harness.tree.snapshot())
        #expect(restored.idempotentResult(forKey: "fenced-retry")?.result == output.result)
    }
}
