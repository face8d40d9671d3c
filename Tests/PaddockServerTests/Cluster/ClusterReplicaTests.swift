import Foundation
import PaddockStorage
import PaddockTestSupport
import RaftCore
import Testing
import ZNodeTree

@testable import PaddockServer

/// Three members in one process over a `LocalPeerNetwork`: the replica shell end to end
/// (Raft, storage, forwarding, reads, sessions) without sockets.
@Suite struct ClusterReplicaTests {
    final class Cluster: @unchecked Sendable {
        // Mutated only by the test's own task.
        let network = LocalPeerNetwork()
        let dirs: [MemberName: TempDirectory]
        let names: [MemberName]
        var members: [MemberName: ClusterReplica] = [:]
        let snapshotEvery: Int

        init(count: Int, snapshotEvery: Int = 10_000) throws {
            names = (1...count).map { MemberName("n\($0)")! }
            var dirs: [MemberName: TempDirectory] = [:]
            for name in names { dirs[name] = try TempDirectory("cluster-\(name)") }
            self.dirs = dirs
            self.snapshotEvery = snapshotEvery
        }

        func options(_ name: MemberName, peers: [MemberName], joining: Bool = false) -> ClusterOptions {
            var options = ClusterOptions(
                clusterID: "test", selfName: name,
                peers: Dictionary(uniqueKeysWithValues: peers.map { ($0, "127.0.0.1:\(7000 + Int($0.rawValue.dropFirst())!)") }),
                joining: joining,
                replica: ReplicaOptions(snapshotIntervalEntries: snapshotEvery, snapshotLogTailEntries: 5))
            // Short enough for quick elections, long enough that a busy test machine (other
            // suites run beside these) does not topple leaders by starving a driver.
            options.tickMs = 10
            options.electionTimeoutMs = 500
            options.heartbeatIntervalMs = 50
            options.requestWaitMs = 5_000
            return options
        }

        func start(_ name: MemberName, peers: [MemberName]? = nil, joining: Bool = false) throws {
            let replica = try ClusterReplica.start(
                directory: dirs[name]!.path, options: options(name, peers: peers ?? names, joining: joining),
                link: network.link(for: name))
            network.attach(replica, as: name)
            members[name] = replica
        }

        func startAll() throws {
            for name in names { try start(name) }
        }

        func stop(_ name: MemberName) async {
            network.detach(name)
            await members.removeValue(forKey: name)?.shutdown()
        }

        func leader() async -> MemberName? {
            var found: MemberName?
            _ = await eventually(timeoutMs: 10_000) {
                let leaders = Set(members.values.compactMap { $0.clusterStatus().leader })
                let candidates = members.filter { $0.value.clusterStatus().leader == $0.key }
                if leaders.count == 1, let only = candidates.first?.key, leaders.first == only {
                    found = only
                    return true
                }
                return false
            }
            return found
        }

        func close() async {
            for name in Array(members.keys) { await stop(name) }
            for dir in dirs.values { dir.remove() }
        }

        /// Starts `count` members, waits for a leader and runs `body` with the cluster and
        /// its leader; closes the cluster afterwards, also when `body` throws. No leader in
        /// time is a recorded issue, and `body` does not run.
        static func withLeader(count: Int = 3, _ body: (Cluster, MemberName) async throws -> Void) async throws {
            let cluster = try Cluster(count: count)
            try cluster.startAll()
            guard let leader = await cluster.leader() else {
                Issue.record("no leader")
                await cluster.close()
                return
            }
            do {
                try await body(cluster, leader)
            } catch {
                await cluster.close()
                throw error
            }
            await cluster.close()
        }
    }

    func create(_ replica: ClusterReplica, _ path: String, _ data: String, key: String? = nil) async throws -> Committed {
        try await replica.propose(
            .create(CreateOp(path: ZNodePath(validating: path), data: Array(data.utf8), kind: .persistent)),
            idempotencyKey: key)
    }

    @Test func writesThroughEveryMemberAreReadEverywhere() async throws {
        let cluster = try Cluster(count: 3)
        try cluster.startAll()
        let leader = await cluster.leader()
        #expect(leader != nil)
        var zxids: [Zxid] = []
        for (index, name) in cluster.names.enumerated() {
            let committed = try await create(cluster.members[name]!, "/w\(index)", "v\(index)")
            guard case .created = committed.result else {
                Issue.record("create through \(name) answered \(committed.result)")
                continue
            }
            zxids.append(committed.zxid)
        }
        #expect(zxids == zxids.sorted() && Set(zxids).count == 3)
        for name in cluster.names {
            let view = try await cluster.members[name]!.read(.linearizable)
            for index in 0..<3 {
                #expect(view.tree.node(at: path("/w\(index)"))?.data == Array("v\(index)".utf8), "\(name) misses /w\(index)")
            }
        }
        await cluster.close()
    }

    @Test func aNewLeaderTakesOverAndNoAcknowledgedWriteIsLost() async throws {
        try await Cluster.withLeader { cluster, first in
            let follower = cluster.names.first { $0 != first }!
            for index in 0..<20 {
                _ = try await create(cluster.members[follower]!, "/a\(index)", "x")
            }
            await cluster.stop(first)
            let second = await cluster.leader()
            #expect(second != nil && second != first)
            let survivor = cluster.members[follower]!
            _ = try await create(survivor, "/after", "y")
            let view = try await survivor.read(.linearizable)
            for index in 0..<20 { #expect(view.tree.node(at: path("/a\(index)")) != nil) }
            // The old leader restarts from its disk and catches up.
            try cluster.start(first)
            #expect(await eventually(timeoutMs: 10_000) {
                (try? cluster.members[first]!.readNow(.serializable))?.tree.node(at: path("/after")) != nil
            })
        }
    }

    @Test func idempotentRetryThroughAnotherMemberAppliesOnce() async throws {
        let cluster = try Cluster(count: 3)
        try cluster.startAll()
        _ = await cluster.leader()
        let a = try await create(cluster.members[cluster.names[0]]!, "/once", "1", key: "k-1")
        let b = try await create(cluster.members[cluster.names[2]]!, "/once", "1", key: "k-1")
        #expect(a.zxid == b.zxid)
        if case .created = b.result {} else { Issue.record("retry answered \(b.result)") }
        await cluster.close()
    }

    @Test func sessionsKeptAliveThroughAFollowerSurviveAndExpireThroughTheLeader() async throws {
        try await Cluster.withLeader { cluster, leader in
            let follower = cluster.members[cluster.names.first { $0 != leader }!]!
            // 4 s: room for a busy machine's stalls between keepalives 300 ms apart.
            let opened = try await follower.openSession(ttlMs: 4_000)
            guard case .sessionOpened(let id, _) = opened.result else {
                Issue.record("open answered \(opened.result)")
                return
            }
            _ = try await follower.propose(
                .create(CreateOp(path: path("/eph"), data: [], kind: .ephemeral, session: id)), idempotencyKey: nil)
            for _ in 0..<6 {
                let remaining = try await follower.keepAlive(id)
                #expect(remaining == 4_000)
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(try follower.readNow(.serializable)?.tree.node(at: path("/eph")) != nil)
            // Without keepalives it expires: within TTL + election timeout + ticks.
            #expect(await eventually(timeoutMs: 10_000) {
                (try? follower.readNow(.serializable))?.tree.node(at: path("/eph")) == nil
            })
            do throws(ReplicaError) {
                _ = try await follower.keepAlive(id)
                Issue.record("an expired session was kept alive")
            } catch {
                #expect(error.code == .sessionExpired)
            }
        }
    }

    @Test func aLearnerJoinsCatchesUpBySnapshotIsPromotedAndAMemberIsRemoved() async throws {
        let cluster = try Cluster(count: 4, snapshotEvery: 20)
        let founders = Array(cluster.names.prefix(3))
        for name in founders { try cluster.start(name, peers: founders) }
        guard let leader = await cluster.leader() else {
            Issue.record("no leader")
            await cluster.close()
            return
        }
        for index in 0..<60 { _ = try await create(cluster.members[leader]!, "/s\(index)", "v") }
        let newcomer = cluster.names[3]
        try cluster.start(newcomer, peers: cluster.names, joining: true)
        let follower = founders.first { $0 != leader }!
        _ = try await cluster.members[follower]!.addLearner(name: newcomer, peerAddress: "127.0.0.1:7004")
        #expect(await eventually(timeoutMs: 10_000) {
            (try? cluster.members[newcomer]!.readNow(.serializable))?.tree.node(at: path("/s59")) != nil
        })
        let promoted = try await cluster.members[leader]!.promote(name: newcomer)
        #expect(promoted.members.first { $0.name == newcomer }?.role == .follower)
        let removed = founders.first { $0 != leader && $0 != follower }!
        let after = try await cluster.members[leader]!.remove(name: removed)
        #expect(!after.members.contains { $0.name == removed })
        #expect(after.members.count == 3)
        await cluster.stop(removed)
        _ = try await create(cluster.members[newcomer]!, "/after-change", "z")
        await cluster.close()
    }

    @Test func aMinorityRefusesLinearizableReadsAndAfterHealingAllAgree() async throws {
        try await Cluster.withLeader { cluster, leader in
            cluster.network.isolate(leader, from: cluster.names)
            let majority = cluster.names.filter { $0 != leader }
            do throws(ReplicaError) {
                _ = try await cluster.members[leader]!.read(.linearizable)
                Issue.record("the isolated leader answered a linearizable read")
            } catch {
                #expect(error.code == .unavailable)
            }
            _ = try await create(cluster.members[majority[0]]!, "/majority", "m")
            cluster.network.heal()
            #expect(await eventually(timeoutMs: 10_000) {
                let digests = Set(cluster.names.compactMap { try? cluster.members[$0]!.readNow(.serializable)?.tree.digest() })
                let applied = Set(cluster.names.compactMap { cluster.members[$0]!.status.appliedZxid })
                return digests.count == 1 && applied.count == 1
            })
        }
    }

    /// Leader changes do not restart a session's TTL: the new leader counts from the
    /// replicated time of the last keepalive, so a session left alone expires within
    /// TTL + one election timeout (margin) + an expiry tick + a commit, however many leader
    /// changes happen meanwhile; and it never expires before its TTL.
    ///
    /// With a 1.5 s TTL and a 0.5 s election timeout, a session whose TTL restarted at
    /// every leader change (one every ~300 ms) would live as long as the changes go on
    /// (10 s here); it must go long before.
    @Test func leaderChangesNeitherShortenNorExtendASession() async throws {
        try await Cluster.withLeader { cluster, _ in
            let member = cluster.members[cluster.names[0]]!
            // 4 s: room for a busy machine's stalls between the first requests.
            let opened = try await member.openSession(ttlMs: 4_000)
            guard case .sessionOpened(let id, _) = opened.result else {
                Issue.record("open answered \(opened.result)")
                return
            }
            _ = try await member.propose(.create(CreateOp(path: path("/held"), kind: .ephemeral, session: id)), idempotencyKey: nil)
            _ = try await member.keepAlive(id)
            let acknowledged = ContinuousClock.now
            var expiredAfter: Duration?
            var transfers = 0
            // Hand leadership around every ~300 ms for up to 15 s.
            for _ in 0..<50 {
                let view = try member.readNow(.serializable)
                if view?.tree.node(at: path("/held")) == nil {
                    expiredAfter = ContinuousClock.now - acknowledged
                    break
                }
                if ContinuousClock.now - acknowledged < .milliseconds(3_700) {
                    #expect(view?.tree.session(id) != nil, "the session expired before its TTL")
                }
                if let leader = await cluster.leader(), (try? await cluster.members[leader]!.transferLeadership(to: nil)) != nil {
                    transfers += 1
                }
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(transfers >= 2, "only \(transfers) leader changes happened")
            #expect(expiredAfter != nil, "the session outlived 15 s of leader changes with a 4 s TTL")
            if let expiredAfter { #expect(expiredAfter >= .milliseconds(4_000)) }
        }
    }

    /// A write to a leader that is cut off can never commit there; it is answered 503 at
    /// its deadline instead of waiting forever.
    @Test(.timeLimit(.minutes(1))) func aWriteToAnIsolatedLeaderIsAnsweredAtItsDeadline() async throws {
        try await Cluster.withLeader { cluster, leader in
            cluster.network.isolate(leader, from: cluster.names)
            let started = ContinuousClock.now
            do {
                _ = try await create(cluster.members[leader]!, "/stranded", "x")
                Issue.record("an isolated leader acknowledged a write")
            } catch {
                #expect((error as? ReplicaError)?.code == .unavailable)
            }
            #expect(ContinuousClock.now - started < .seconds(20))
            cluster.network.heal()
        }
    }

    /// The leader's answer to a write forwarded by a follower is given once the follower
    /// has applied it too: its client reading that member next sees the write.
    @Test func aWriteThroughAFollowerIsVisibleThereAtOnce() async throws {
        try await Cluster.withLeader { cluster, leader in
            let follower = cluster.members[cluster.names.first { $0 != leader }!]!
            for index in 0..<40 {
                let committed = try await create(follower, "/mine\(index)", "v")
                let view = try follower.readNow(.serializable)
                #expect(view.map { $0.zxid >= committed.zxid } == true, "write \(index) at \(committed.zxid) not applied yet")
                #expect(view?.tree.node(at: path("/mine\(index)")) != nil)
            }
        }
    }

    @Test func malformedAppendsFromAPeerAreDropped() {
        let entries = [LogEntry(term: Term(1), index: LogIndex(5), data: []), LogEntry(term: Term(1), index: LogIndex(7), data: [])]
        let gap = Message(kind: .append, from: NodeID(1), to: NodeID(2), term: Term(1), index: LogIndex(4), entries: entries)
        #expect(!ClusterDriver.isWellFormed(gap))
        let overflow = Message(
            kind: .append, from: NodeID(1), to: NodeID(2), term: Term(1), index: LogIndex(UInt64.max),
            entries: [LogEntry(term: Term(1), index: LogIndex(0), data: [])])
        #expect(!ClusterDriver.isWellFormed(overflow))
        let good = Message(
            kind: .append, from: NodeID(1), to: NodeID(2), term: Term(1), index: LogIndex(4),
            entries: [LogEntry(term: Term(1), index: LogIndex(5), data: []), LogEntry(term: Term(1), index: LogIndex(6), data: [])])
        #expect(ClusterDriver.isWellFormed(good))
    }
}
