import Foundation
import PaddockStorage
import PaddockTestSupport
import Testing
import ZNodeTree

@testable import PaddockServer

/// Restarts must replay the log to the same tree whatever today's flags are.
@Suite struct ReplicaRestartTests {
    @Test func aLongPathAcknowledgedUnderALargerFlagSurvivesARestartWithTheDefault() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        var wide = Limits()
        wide.pathBytesMax = 2048
        let longPath = try ZNodePath(validating: "/" + String(repeating: "p", count: 1_499), bytesMax: 2048)
        let create = Command.create(
            CreateOp(path: longPath, data: Array("kept".utf8), kind: .persistent, session: nil, ttlMs: nil, createParents: false))
        let store = try LogStore(directory: dir.path)
        let replica = try SingleNodeReplica.start(log: store, options: ReplicaOptions(limits: wide))
        let committed = try await replica.propose(create, idempotencyKey: nil)
        await replica.shutdown()
        guard case .created = committed.result else {
            Issue.record("expected created, got \(committed.result)")
            return
        }

        // No snapshot was taken, so the restart replays the create.
        let reopenedStore = try LogStore(directory: dir.path)
        let reopened = try SingleNodeReplica.start(log: reopenedStore, options: ReplicaOptions(limits: .default))
        #expect(await eventually { reopened.status.isReady })
        let view = try await reopened.read(.linearizable)
        await reopened.shutdown()
        #expect(reopened.counters.lastSnapshotIndex.rawValue == 0)
        let node = view.tree.node(at: longPath)
        #expect(node.map { String(decoding: $0.data, as: UTF8.self) } == "kept")
    }
}

extension ReplicaRestartTests {
    @Test func entryTimesResumeFromTheSnapshotWhenNoEntryFollowsIt() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let options = ReplicaOptions(snapshotIntervalEntries: 1, snapshotLogTailEntries: 0)
        let store = try LogStore(directory: dir.path)
        let replica = try SingleNodeReplica.start(log: store, options: options)
        for i in 0..<3 {
            _ = try await replica.propose(createCommand("/t\(i)", "x"), idempotencyKey: nil)
        }
        let applied = replica.status.appliedZxid
        #expect(await eventually { replica.counters.lastSnapshotIndex.rawValue == applied.rawValue })
        let view = try await replica.read(.linearizable)
        await replica.shutdown()
        let newestMs = try #require(view.tree.node(at: path("/t2"))).stat.mtimeMs
        #expect(view.tree.newestEntryTimeMs == newestMs)

        let reopenedStore = try LogStore(directory: dir.path)
        let recovered = try ReplicaRecovery.recover(from: reopenedStore, treeLimits: .init())
        reopenedStore.close()
        #expect(recovered.replayedCount == 0)
        #expect(recovered.lastTimeMs == newestMs)
        #expect(recovered.tree.newestEntryTimeMs == newestMs)
    }
}

/// Flags past what the member can represent are refused by `validate()`, never trapped on.
@Suite struct LimitsBoundsTests {
    @Test func validateRefusesHugeWaits() {
        for field in ["idleTimeoutMs", "proposalWaitMs"] {
            var limits = Limits()
            if field == "idleTimeoutMs" { limits.idleTimeoutMs = .max } else { limits.proposalWaitMs = .max }
            #expect(throws: LimitsError(field: field, message: "\(field) must be at most \(Limits.waitMsCeiling), got \(Int64.max)")) {
                try limits.validate()
            }
        }
    }

    @Test func validateRefusesAHugeDataMaxInsteadOfOverflowing() {
        var limits = Limits()
        limits.dataBytesMax = Int.max / 2
        limits.requestBodyBytesMax = Limits.requestBodyBytesMax(dataBytesMax: limits.dataBytesMax)
        #expect(limits.requestBodyBytesMax == .max)
        #expect(throws: LimitsError.self) { try limits.validate() }
    }

    @Test func aLargeButValidBodyMaxStartsAReplica() async throws {
        var limits = Limits()
        limits.dataBytesMax = 192 * 1_048_576
        limits.requestBodyBytesMax = Limits.requestBodyBytesMax(dataBytesMax: limits.dataBytesMax)
        try limits.validate()
        let options = ReplicaOptions(limits: limits)
        #expect(options.pendingBytesMax >= 2 * options.entryBytesMax)
        let dir = try TempDirectory()
        defer { dir.remove() }
        let replica = try SingleNodeReplica.start(log: try LogStore(directory: dir.path), options: options)
        let committed = try await replica.propose(createCommand("/big", "x"), idempotencyKey: nil)
        await replica.shutdown()
        #expect(committed.zxid.rawValue == 2)
    }
}
