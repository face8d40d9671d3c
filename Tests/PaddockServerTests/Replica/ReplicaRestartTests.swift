import Foundation
import PaddockStorage
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
