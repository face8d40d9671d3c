import PaddockStorage
import PaddockTestSupport
import Testing
import ZNodeTree

@testable import PaddockServer

/// A key reused while its first entry is still queued answers like a key already applied.
@Suite struct IdempotentQueueTests {
    @Test(.timeLimit(.minutes(1))) func aKeyReusedWhileQueuedAnswersWithTheFirstZxid() async throws {
        let dir = try TempDirectory("idem")
        defer { dir.remove() }
        let log = FaultyLog(store: try LogStore(directory: dir.path))
        let replica = try SingleNodeReplica.start(log: log)
        #expect(await eventually { replica.status.isReady })
        log.holdSaves.store(true, ordering: .sequentiallyConsistent)
        let command = createCommand("/seq-", "x", kind: .sequential)
        async let first = replica.propose(command, idempotencyKey: "k")
        // The first is now held inside `save` (the no-op was the first save).
        #expect(await eventually { log.saveCalls.load(ordering: .sequentiallyConsistent) == 2 })
        async let second = replica.propose(command, idempotencyKey: "k")
        #expect(await eventually { replica.shared.withLock { $0.queue.count } == 1 })
        log.holdSaves.store(false, ordering: .sequentiallyConsistent)
        log.release.signal()
        let results = try await [first, second]
        let view = try await replica.read(.linearizable)
        await replica.shutdown()

        #expect(results.map(\.zxid.rawValue) == [2, 2])
        #expect(results[0].result == results[1].result)
        #expect(view.tree.children(of: path("/"))?.filter { $0.hasPrefix("seq-") }.count == 1)
    }
}
