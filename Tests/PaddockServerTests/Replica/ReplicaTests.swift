import Foundation
import PaddockStorage
import PaddockTestSupport
import RaftCore
import Synchronization
import Testing
import ZNodeTree

@testable import PaddockServer

@Suite struct ReplicaTests {
    /// Starts a replica on a fresh store in `dir`.
    func startReplica(_ dir: TempDirectory, options: ReplicaOptions = .init()) throws -> SingleNodeReplica {
        let store = try LogStore(directory: dir.path)
        return try SingleNodeReplica.start(log: store, options: options)
    }

    @Test func proposeAppliesAndAnswersWithTheEntryZxid() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let replica = try startReplica(dir)
        let first = try await replica.propose(createCommand("/a", "one"), idempotencyKey: nil)
        let second = try await replica.propose(createCommand("/a", "two"), idempotencyKey: nil)
        await replica.shutdown()

        guard case .created(let created, let stat) = first.result else {
            Issue.record("expected created, got \(first.result)")
            return
        }
        #expect(created == path("/a"))
        #expect(stat.czxid == first.zxid)
        // Index 1 is this run's no-op; the first proposal is 2.
        #expect(first.zxid == Zxid(rawValue: 2))
        #expect(second.zxid == Zxid(rawValue: 3))
        guard case .failed(let error) = second.result else {
            Issue.record("expected NodeExists, got \(second.result)")
            return
        }
        #expect(error.code == .nodeExists)
    }

    @Test(arguments: [ReadConsistency.linearizable, .serializable])
    func readNowSeesEveryAcknowledgedWriteAndRefusesAfterShutdown(_ consistency: ReadConsistency) async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let replica = try startReplica(dir)
        let created = try await replica.propose(createCommand("/now", "seen"), idempotencyKey: nil)
        // Nothing is committed and unapplied once the write was answered: no wait needed.
        let view = try #require(try replica.readNow(consistency))
        #expect(view.zxid >= created.zxid)
        #expect(view.tree.node(at: path("/now"))?.data == Array("seen".utf8))
        await replica.shutdown()
        #expect(throws: ReplicaError(code: .shuttingDown, message: "the member is shutting down")) {
            _ = try replica.readNow(consistency)
        }
    }

    @Test func concurrentProposalsShareTransactions() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let replica = try startReplica(dir)
        let writers = 200
        let zxids = try await withThrowingTaskGroup(of: Zxid.self) { group in
            for i in 0..<writers {
                group.addTask {
                    let committed = try await replica.propose(createCommand("/k\(i)", "v\(i)"), idempotencyKey: nil)
                    guard case .created = committed.result else { return .zero }
                    return committed.zxid
                }
            }
            var all: [Zxid] = []
            for try await zxid in group { all.append(zxid) }
            return all
        }
        let counters = replica.counters
        let view = try await replica.read(.linearizable)
        await replica.shutdown()

        #expect(Set(zxids).count == writers)
        #expect(!zxids.contains(.zero))
        #expect(view.tree.children(of: .root)?.count == writers)
        #expect(counters.entriesApplied == writers + 1)
        #expect(counters.transactionsCommitted < counters.entriesApplied)
    }

    @Test func restartRecoversEveryWriteAndTheDigest() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let replica = try startReplica(dir)
        for i in 0..<20 {
            _ = try await replica.propose(createCommand("/n\(i)", "data\(i)"), idempotencyKey: nil)
        }
        _ = try await replica.propose(
            .setData(SetDataOp(path: path("/n3"), data: Array("changed".utf8), expectedVersion: 0)),
            idempotencyKey: nil
        )
        let before = try await replica.read(.linearizable)
        await replica.shutdown()

        // Recovery alone rebuilds exactly the tree that was served.
        let store = try LogStore(directory: dir.path)
        let recovered = try ReplicaRecovery.recover(from: store, treeLimits: .init())
        store.close()
        #expect(recovered.tree.lastApplied == before.zxid)
        #expect(recovered.tree.digest() == before.tree.digest())

        // A restarted replica serves it, one no-op later.
        let reopened = try startReplica(dir)
        #expect(await eventually { reopened.status.isReady })
        let after = try await reopened.read(.linearizable)
        await reopened.shutdown()
        #expect(after.zxid.rawValue == before.zxid.rawValue + 1)
        #expect(after.tree.nodeCount == before.tree.nodeCount)
        let node = after.tree.node(at: path("/n3"))
        #expect(node.map { String(decoding: $0.data, as: UTF8.self) } == "changed")
        #expect(node?.stat.version == 1)
    }

    @Test func snapshotsBoundTheLogAndRestartRecoversFromThem() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let options = ReplicaOptions(snapshotIntervalEntries: 50, snapshotLogTailEntries: 10)
        let replica = try startReplica(dir, options: options)
        // Eight concurrent writers: snapshots are taken while group commits go on.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for i in stride(from: worker, to: 260, by: 8) {
                        _ = try await replica.propose(
                            createCommand("/s\(i)", String(repeating: "x", count: i % 17)), idempotencyKey: nil)
                    }
                }
            }
            try await group.waitForAll()
        }
        let applied = replica.status.appliedZxid
        #expect(await eventually {
            replica.counters.lastSnapshotIndex.rawValue + UInt64(options.snapshotIntervalEntries) > applied.rawValue
        })
        let before = try await replica.read(.linearizable)
        let counters = replica.counters
        await replica.shutdown()
        #expect(counters.snapshotsSaved >= 2)

        let store = try LogStore(directory: dir.path)
        let stored = try store.storedEntryCount()
        let recovered = try store.recover()
        store.close()
        #expect(stored <= options.snapshotIntervalEntries + options.snapshotLogTailEntries)
        #expect(recovered.snapshot?.index == counters.lastSnapshotIndex)

        let reopenedStore = try LogStore(directory: dir.path)
        let recoveredTree = try ReplicaRecovery.recover(from: reopenedStore, treeLimits: .init())
        reopenedStore.close()
        #expect(recoveredTree.snapshotIndex == counters.lastSnapshotIndex)
        #expect(recoveredTree.replayedCount < options.snapshotIntervalEntries)
        #expect(recoveredTree.tree.digest() == before.tree.digest())

        let reopened = try startReplica(dir, options: options)
        #expect(await eventually { reopened.status.isReady })
        let after = try await reopened.read(.linearizable)
        await reopened.shutdown()
        #expect(after.tree.nodeCount == before.tree.nodeCount)
        #expect(after.tree.node(at: path("/s259"))?.data == Array(String(repeating: "x", count: 259 % 17).utf8))
    }

    @Test func expiredSessionLosesItsEphemeralsThroughTheLog() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let replica = try startReplica(dir, options: ReplicaOptions(expiryTickMs: 20))
        // On a starved machine the short TTL can run out before the create: try again
        // with a fresh session (bounded), so the test checks removal, not scheduling.
        var owned: (session: SessionID, created: Committed)?
        for _ in 0..<3 where owned == nil {
            let opened = try await replica.openSession(ttlMs: 400)
            guard case .sessionOpened(let session, let ttlMs) = opened.result else {
                Issue.record("expected sessionOpened, got \(opened.result)")
                break
            }
            #expect(ttlMs == 400)
            let created = try await replica.propose(
                createCommand("/eph", "", kind: .ephemeral, session: session), idempotencyKey: nil)
            if case .created = created.result { owned = (session, created) }
        }
        let gone = await eventually {
            guard let view = try? await replica.read(.linearizable) else { return false }
            return view.tree.node(at: path("/eph")) == nil
        }
        let view = try await replica.read(.linearizable)
        var keepAliveError: ReplicaError?
        if let session = owned?.session {
            do {
                _ = try await replica.keepAlive(session)
            } catch {
                keepAliveError = error
            }
        }
        await replica.shutdown()

        let (session, created) = try #require(owned)
        #expect(gone)
        #expect(view.tree.session(session) == nil)
        #expect(keepAliveError?.code == .sessionExpired)
        // The removal came from a later entry: the expiry the timer proposed.
        #expect(view.zxid > created.zxid)
    }

    @Test func ttlNodesExpireThroughTheLog() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let replica = try startReplica(dir, options: ReplicaOptions(expiryTickMs: 20))
        let op = CreateOp(path: path("/ttl"), data: [], kind: .ttl, session: nil, ttlMs: 100, createParents: false)
        let created = try await replica.propose(.create(op), idempotencyKey: nil)
        _ = try await replica.propose(createCommand("/plain", ""), idempotencyKey: nil)
        let gone = await eventually {
            guard let view = try? await replica.read(.linearizable) else { return false }
            return view.tree.node(at: path("/ttl")) == nil
        }
        let view = try await replica.read(.linearizable)
        await replica.shutdown()
        guard case .created = created.result else {
            Issue.record("expected created, got \(created.result)")
            return
        }
        #expect(gone)
        #expect(view.tree.node(at: path("/plain")) != nil)
    }

    @Test func keepAliveExtendsAndUnknownSessionsAreExpired() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let replica = try startReplica(dir)
        let opened = try await replica.openSession(ttlMs: 60_000)
        guard case .sessionOpened(let session, _) = opened.result else {
            Issue.record("expected sessionOpened, got \(opened.result)")
            await replica.shutdown()
            return
        }
        let remaining = try await replica.keepAlive(session)
        let unknown = SessionID(rawValue: 12_345)
        let error = await #expect(throws: ReplicaError.self) { _ = try await replica.keepAlive(unknown) }
        _ = try await replica.propose(.closeSession(session), idempotencyKey: nil)
        let afterClose = await #expect(throws: ReplicaError.self) { _ = try await replica.keepAlive(session) }
        await replica.shutdown()

        #expect(remaining == 60_000)
        #expect(error?.code == .sessionExpired)
        #expect(afterClose?.code == .sessionExpired)
    }

    @Test func sessionsSurviveARestartWithAFreshTTL() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let replica = try startReplica(dir)
        let opened = try await replica.openSession(ttlMs: 60_000)
        guard case .sessionOpened(let session, _) = opened.result else {
            Issue.record("expected sessionOpened, got \(opened.result)")
            await replica.shutdown()
            return
        }
        await replica.shutdown()
        let reopened = try startReplica(dir)
        let remaining = try await reopened.keepAlive(session)
        await reopened.shutdown()
        #expect(remaining == 60_000)
    }

    @Test func sessionLimitRefusesOpening() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let replica = try startReplica(dir, options: ReplicaOptions(sessionsMax: 2))
        _ = try await replica.openSession(ttlMs: 600_000)
        _ = try await replica.openSession(ttlMs: 600_000)
        let error = await #expect(throws: ReplicaError.self) { _ = try await replica.openSession(ttlMs: 600_000) }
        let sessions = try await replica.read(.linearizable).tree.sessionCount
        await replica.shutdown()
        #expect(error?.code == .tooManySessions)
        #expect(sessions == 2)
    }

    @Test func idempotencyKeyReturnsTheFirstResult() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let replica = try startReplica(dir)
        let first = try await replica.propose(createCommand("/once", "a"), idempotencyKey: "key-1")
        let retry = try await replica.propose(createCommand("/once", "a"), idempotencyKey: "key-1")
        let other = try await replica.propose(createCommand("/once", "a"), idempotencyKey: "key-2")
        await replica.shutdown()
        #expect(retry.zxid == first.zxid)
        guard case .created = retry.result, case .failed(let error) = other.result else {
            Issue.record("expected created then NodeExists, got \(retry.result) and \(other.result)")
            return
        }
        #expect(error.code == .nodeExists)
    }

    @Test func storageFailureStopsServing() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let log = FaultyLog(store: try LogStore(directory: dir.path))
        let replica = try SingleNodeReplica.start(log: log)
        let ok = try await replica.propose(createCommand("/before", "x"), idempotencyKey: nil)
        log.failSaves.store(true, ordering: .sequentiallyConsistent)
        let failed = await #expect(throws: ReplicaError.self) {
            _ = try await replica.propose(createCommand("/after", "x"), idempotencyKey: nil)
        }
        let status = replica.status
        let readError = await #expect(throws: ReplicaError.self) { _ = try await replica.read(.serializable) }
        let laterError = await #expect(throws: ReplicaError.self) {
            _ = try await replica.propose(createCommand("/later", "x"), idempotencyKey: nil)
        }
        await replica.shutdown()

        #expect(failed?.code == .storage)
        #expect(readError?.code == .storage)
        #expect(laterError?.code == .storage)
        #expect(!status.isHealthy)
        #expect(!status.isReady)
        #expect(status.appliedZxid == ok.zxid)

        let store = try LogStore(directory: dir.path)
        let recovered = try store.recover()
        store.close()
        #expect(recovered.entries.last?.index == LogIndex(ok.zxid.rawValue))
    }

    @Test func pendingLimitAnswersUnavailable() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let log = FaultyLog(store: try LogStore(directory: dir.path))
        let replica = try SingleNodeReplica.start(log: log, options: ReplicaOptions(pendingProposalsMax: 2))
        #expect(await eventually { replica.status.isReady })
        log.holdSaves.store(true, ordering: .sequentiallyConsistent)
        async let first = replica.propose(createCommand("/p1", ""), idempotencyKey: nil)
        // The first proposal is now held inside `save`; the second waits in the queue.
        #expect(await eventually { log.saveCalls.load(ordering: .sequentiallyConsistent) == 2 })
        async let second = replica.propose(createCommand("/p2", ""), idempotencyKey: nil)
        // Declared after the `async let`s so it runs before their implicit await when the
        // test leaves early: the held save is let go, whatever failed.
        var released = false
        defer {
            if !released {
                log.holdSaves.store(false, ordering: .sequentiallyConsistent)
                log.release.signal()
            }
        }
        #expect(await eventually { replica.shared.withLock { $0.queue.count } == 1 })
        let refused = await #expect(throws: ReplicaError.self) {
            _ = try await replica.propose(createCommand("/p3", ""), idempotencyKey: nil)
        }
        log.holdSaves.store(false, ordering: .sequentiallyConsistent)
        log.release.signal()
        released = true
        let results = try await [first, second]
        await replica.shutdown()

        #expect(refused?.code == .unavailable)
        #expect(refused?.retryAfterSeconds == 1)
        #expect(results.map(\.zxid.rawValue) == [2, 3])
    }

    @Test func linearizableReadSeesEveryAcknowledgedWrite() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let replica = try startReplica(dir)
        // Writers record what was acknowledged; each reader notes the acknowledged writes
        // before it starts and must see all of them.
        let acknowledged = AcknowledgedWrites()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for i in 0..<25 {
                        let name = "/r\(writer)-\(i)"
                        let committed = try await replica.propose(createCommand(name, "\(i)"), idempotencyKey: nil)
                        acknowledged.state.withLock { state in
                            state.highest = max(state.highest, committed.zxid)
                            state.paths.append(name)
                        }
                    }
                }
            }
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<50 {
                        let before = acknowledged.state.withLock { $0 }
                        let view = try await replica.read(.linearizable)
                        #expect(view.zxid >= before.highest)
                        let missing = before.paths.filter { view.tree.node(at: path($0)) == nil }
                        #expect(missing.isEmpty, "acknowledged before the read but not seen: \(missing)")
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(acknowledged.state.withLock { $0.paths.count } == 100)
        await replica.shutdown()
        let refused = await #expect(throws: ReplicaError.self) { _ = try await replica.read(.linearizable) }
        #expect(refused?.code == .shuttingDown)
    }
}

/// Writes acknowledged so far, shared by concurrent test tasks.
private final class AcknowledgedWrites: Sendable {
    let state = Mutex<(highest: Zxid, paths: [String])>((.zero, []))
}
