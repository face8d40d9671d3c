import Foundation
import PaddockTestSupport
import Synchronization
import Testing

/// What the background clients of a cluster test saw, with when they saw it.
final class ClusterHistory: Sendable {
    /// One write that got a 2xx.
    struct Write: Sendable {
        var path: String
        var data: String
        var version: Int64?
        /// The zxid of its entry, when the answer named one.
        var zxid: UInt64? = nil
        var acknowledgedAt: ContinuousClock.Instant
    }

    /// One answered read.
    struct Read: Sendable {
        var startedAt: ContinuousClock.Instant
        var answeredAt: ContinuousClock.Instant
        var result: ClusterHarness.NodeRead
    }

    private let state = Mutex<(writes: [Write], reads: [Read], failures: [String])>(([], [], []))
    /// Set to stop the background clients.
    let stop = Atomic<Bool>(false)

    func record(_ write: Write) { state.withLock { $0.writes.append(write) } }
    func record(_ read: Read) { state.withLock { $0.reads.append(read) } }
    func recordFailure(_ text: String) { state.withLock { $0.failures.append(text) } }

    var writes: [Write] { state.withLock { $0.writes } }
    var reads: [Read] { state.withLock { $0.reads } }
    var failures: [String] { state.withLock { $0.failures } }
}

/// The cluster acceptance tests: three (or four) real `paddock serve` processes on
/// 127.0.0.1, killed, paused, restarted, re-membered and partitioned.
///
/// Timing: members run with a 1,000 ms election timeout and 100 ms heartbeats; a new
/// leader must be agreed on within `electionBoundMs` of losing the old one (twice the
/// timeout for the randomised wait, plus room for a vote round on a loaded machine).
@Suite(.serialized) struct ClusterProcessTests {
    static let electionTimeoutMs = 1_000
    static let timing = ["--election-timeout-ms", "\(electionTimeoutMs)", "--heartbeat-interval-ms", "100"]
    static let electionBoundMs = 2 * electionTimeoutMs + 3_000

    /// Every name except `excluded`.
    static func others(_ cluster: ClusterHarness, _ excluded: String...) -> [String] {
        cluster.names.filter { !excluded.contains($0) }
    }

    /// Waits until `name` answers every path of `expected` with its data (serializable
    /// reads: what that member has applied).
    static func caughtUp(_ cluster: ClusterHarness, _ name: String, _ expected: [String: String], timeoutMs: Int = 20_000)
        async -> Bool
    {
        await ClusterHarness.eventually(timeoutMs: timeoutMs) {
            for (path, data) in expected.sorted(by: { $0.key < $1.key }) {
                guard try await cluster.read(path, on: name, serializable: true).data == data else { return false }
            }
            return true
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func writesThroughEveryMemberAreReadOnEveryMember() async throws {
        try await ClusterHarness.with(count: 3, extraArgs: Self.timing) { cluster in
            _ = try await cluster.waitForLeader()
            var written: [String: String] = [:]
            for name in cluster.names {
                for index in 0..<5 {
                    let path = "/via-\(name)-\(index)"
                    let created = try await cluster.create(path, data: "\(name):\(index)", via: name)
                    #expect(created.status == 201, "create \(path) through \(name)")
                    #expect(created.zxid != nil)
                    written[path] = "\(name):\(index)"
                }
            }
            for name in cluster.names {
                for (path, data) in written.sorted(by: { $0.key < $1.key }) {
                    // Linearizable by default: every acknowledged write is seen at once.
                    let read = try await cluster.read(path, on: name)
                    #expect(read.status == 200 && read.data == data, "\(path) on \(name): \(read)")
                }
            }
            let applied = try await cluster.clusterNumber("appliedIndex", on: cluster.names[0]) ?? 0
            #expect(applied >= 15)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func killingTheLeaderElectsAnotherAndLosesNoAcknowledgedWrite() async throws {
        try await ClusterHarness.with(count: 3, extraArgs: Self.timing) { cluster in
            let leader = try await cluster.waitForLeader()
            let followers = Self.others(cluster, leader)
            let history = ClusterHistory()
            // Writers on both followers keep writing through the kill.
            let writers = followers.map { follower in
                Task.detached {
                    for index in 0..<10_000 where !history.stop.load(ordering: .relaxed) {
                        let path = "/kill-\(follower)-\(index)"
                        guard let created = try? await cluster.create(path, data: "\(index)", via: follower) else { continue }
                        if created.status == 201 {
                            history.record(.init(path: path, data: "\(index)", version: 0, acknowledgedAt: .now))
                        } else if created.status != 503 {
                            history.recordFailure("create \(path) via \(follower): \(created.status)")
                        }
                    }
                }
            }
            let before = await ClusterHarness.eventually { history.writes.count >= 20 }
            #expect(before, "only \(history.writes.count) writes acknowledged before the kill")

            let killedAt = ContinuousClock.now
            cluster.kill9(leader)
            let newLeader = try await cluster.waitForLeader(
                among: followers, deadline: killedAt.advanced(by: .milliseconds(Self.electionBoundMs)))
            let failover = ContinuousClock.now - killedAt
            #expect(newLeader != leader)
            #expect(failover < .milliseconds(Self.electionBoundMs), "fail-over took \(failover)")
            let afterCount = history.writes.count
            let after = await ClusterHarness.eventually { history.writes.count >= afterCount + 20 }
            #expect(after, "writes did not resume under \(newLeader)")
            history.stop.store(true, ordering: .relaxed)
            for writer in writers { await writer.value }

            #expect(history.failures.isEmpty, "\(history.failures)")
            for write in history.writes {
                for name in followers {
                    let read = try await cluster.read(write.path, on: name)
                    #expect(read.status == 200 && read.data == write.data, "acknowledged \(write.path) on \(name): \(read)")
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aKilledMemberRestartsAndCatchesUp() async throws {
        try await ClusterHarness.with(count: 3, extraArgs: Self.timing) { cluster in
            let leader = try await cluster.waitForLeader()
            let follower = Self.others(cluster, leader)[0]
            var written: [String: String] = [:]
            for index in 0..<5 {
                #expect(try await cluster.create("/before-\(index)", data: "b\(index)", via: leader).status == 201)
                written["/before-\(index)"] = "b\(index)"
            }
            cluster.kill9(follower)
            for index in 0..<30 {
                #expect(try await cluster.create("/while-down-\(index)", data: "w\(index)", via: leader).status == 201)
                written["/while-down-\(index)"] = "w\(index)"
            }
            let commit = try await cluster.clusterNumber("commitIndex", on: leader) ?? 0
            try await cluster.restart(follower)
            #expect(await Self.caughtUp(cluster, follower, written), "\(follower) did not catch up")
            let applied = try await cluster.clusterNumber("appliedIndex", on: follower) ?? 0
            #expect(applied >= commit, "\(follower) applied \(applied), the leader had committed \(commit)")
        }
    }

    /// The leader compacts its log past what the stopped member has, so the restarted
    /// member can only catch up from a snapshot. From outside, catching up at all is
    /// the proof: the entries it lacks are no longer in any log.
    @Test(.timeLimit(.minutes(3)))
    func aMemberRestartedAfterCompactionCatchesUpBySnapshot() async throws {
        let compaction = ["--snapshot-interval", "20", "--snapshot-tail", "5"]
        try await ClusterHarness.with(count: 3, extraArgs: Self.timing + compaction) { cluster in
            let leader = try await cluster.waitForLeader()
            let follower = Self.others(cluster, leader)[0]
            cluster.kill9(follower)
            var written: [String: String] = [:]
            // Several snapshot intervals past the member's last entry, plus its tail.
            for index in 0..<120 {
                let path = "/compacted-\(index)"
                #expect(try await cluster.create(path, data: "c\(index)", via: leader).status == 201)
                written[path] = "c\(index)"
            }
            let commit = try await cluster.clusterNumber("commitIndex", on: leader) ?? 0
            #expect(commit >= 120)
            try await cluster.restart(follower)
            #expect(await Self.caughtUp(cluster, follower, written, timeoutMs: 30_000), "\(follower) did not catch up")
            // After catching up it takes part as usual: a write through it lands everywhere.
            #expect(try await cluster.create("/after-snapshot", data: "x", via: follower).status == 201)
            for name in cluster.names {
                #expect(try await cluster.read("/after-snapshot", on: name).data == "x", "on \(name)")
            }
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func aFourthMemberJoinsAsLearnerIsPromotedAndAMemberIsRemoved() async throws {
        try await ClusterHarness.with(count: 3, extraArgs: Self.timing) { cluster in
            let leader = try await cluster.waitForLeader()
            var written: [String: String] = [:]
            for index in 0..<10 {
                #expect(try await cluster.create("/m-\(index)", data: "m\(index)", via: leader).status == 201)
                written["/m-\(index)"] = "m\(index)"
            }
            let peerAddress = try await cluster.join("n4", extraArgs: Self.timing)
            let follower = Self.others(cluster, leader, "n4")[0]
            // Added through a follower: it passes the change to the leader.
            let added = try await cluster.member(follower).client.send(
                "POST", "/v1/cluster/members", json: ["name": "n4", "peerAddress": peerAddress])
            #expect(added.status == 201, "\(String(decoding: added.body, as: UTF8.self))")
            #expect(try await cluster.roles(on: leader)["n4"] == "learner")
            try await cluster.waitUntilReady(["n4"])
            #expect(await Self.caughtUp(cluster, "n4", written), "the learner did not receive the log")

            // A learner that has not caught up may be refused (400); retry until promoted.
            let promoted = await ClusterHarness.eventually(timeoutMs: 20_000, pollMs: 100) {
                try await cluster.member(leader).client.send("POST", "/v1/cluster/members/n4/promote").status == 200
            }
            #expect(promoted, "n4 was not promoted")
            let role = try await cluster.roles(on: leader)["n4"]
            #expect(role == "follower" || role == "leader", "n4 is \(role ?? "absent")")

            let removed = try await cluster.member(leader).client.send("DELETE", "/v1/cluster/members/\(follower)")
            #expect(removed.status == 200, "\(String(decoding: removed.body, as: UTF8.self))")
            #expect(try await cluster.roles(on: leader)[follower] == nil)
            cluster.kill9(follower)
            let remaining = Self.others(cluster, follower)
            #expect(remaining.count == 3)
            _ = try await cluster.waitForLeader(among: remaining)
            #expect(try await cluster.create("/after-removal", data: "r", via: "n4").status == 201)
            for name in remaining {
                #expect(try await cluster.read("/after-removal", on: name).data == "r", "on \(name)")
            }
            let unknown = try await cluster.member(leader).client.send("DELETE", "/v1/cluster/members/\(follower)")
            #expect(unknown.status == 404)
        }
    }

    /// A paused leader keeps its sockets; when it resumes it may still believe it leads.
    /// Every read it answers must reflect every write acknowledged before the read began.
    @Test(.timeLimit(.minutes(2)))
    func aPausedLeaderStepsDownAndAnswersNoStaleRead() async throws {
        try await ClusterHarness.with(count: 3, extraArgs: Self.timing) { cluster in
            let leader = try await cluster.waitForLeader()
            let followers = Self.others(cluster, leader)
            let created = try await cluster.create("/counter", data: "0", via: leader)
            #expect(created.status == 201)
            let history = ClusterHistory()
            history.record(.init(path: "/counter", data: "0", version: 0, zxid: created.zxid, acknowledgedAt: .now))
            let reader = Task.detached {
                for _ in 0..<100_000 where !history.stop.load(ordering: .relaxed) {
                    let startedAt = ContinuousClock.now
                    guard let read = try? await cluster.read("/counter", on: leader) else { continue }
                    history.record(.init(startedAt: startedAt, answeredAt: .now, result: read))
                }
            }
            let readsBeforePause = await ClusterHarness.eventually { history.reads.count >= 5 }
            #expect(readsBeforePause)

            cluster.sigstop(leader)
            let pausedAt = ContinuousClock.now
            let newLeader = try await cluster.waitForLeader(
                among: followers, deadline: pausedAt.advanced(by: .milliseconds(Self.electionBoundMs)))
            #expect(newLeader != leader)
            for value in 1...10 {
                let set = try await cluster.set("/counter", data: "\(value)", via: newLeader)
                #expect(set.status == 200)
                if set.status == 200 {
                    history.record(
                        .init(path: "/counter", data: "\(value)", version: set.version, zxid: set.zxid, acknowledgedAt: .now))
                }
            }
            // Paused for well over an election timeout.
            #expect(ContinuousClock.now - pausedAt > .milliseconds(Self.electionTimeoutMs))
            let resumedAt = ContinuousClock.now
            cluster.sigcont(leader)
            let steppedDown = await ClusterHarness.eventually {
                let status = try await cluster.clusterStatus(leader)
                return (status["leader"] as? String).map { $0 != leader } ?? false
            }
            #expect(steppedDown, "\(leader) still says it leads")
            let readsAfterResume = await ClusterHarness.eventually {
                history.reads.contains { $0.startedAt > resumedAt }
            }
            #expect(readsAfterResume, "no read was answered by \(leader) after it resumed")
            history.stop.store(true, ordering: .relaxed)
            await reader.value

            let writes = history.writes
            var checked = 0
            for read in history.reads where read.result.status == 200 {
                // Every write acknowledged before the read began must be in what it saw:
                // its version, and the zxid the read says it reflects.
                let before = writes.filter { $0.acknowledgedAt < read.startedAt }
                let floor = before.compactMap(\.version).max() ?? 0
                #expect((read.result.version ?? -1) >= floor, "stale read: \(read.result) began after v\(floor) was acknowledged")
                let zxidFloor = before.compactMap(\.zxid).max() ?? 0
                #expect((read.result.zxid ?? 0) >= zxidFloor, "stale read: \(read.result) began after zxid \(zxidFloor) was acknowledged")
                checked += 1
            }
            for read in history.reads where read.result.status != 200 {
                #expect(read.result.status == 503, "a read on the old leader answered \(read.result.status)")
            }
            #expect(checked >= 5)
        }
    }

    /// Each member reaches each other one through its own proxy, so the test can cut any
    /// link, in one direction or both.
    @Test(.timeLimit(.minutes(3)))
    func aPartitionedMinorityRefusesLinearizableRequestsAndAllConverge() async throws {
        let waits = Self.timing + ["--proposal-wait-ms", "2000"]
        try await ClusterHarness.with(count: 3, extraArgs: waits, proxies: PeerLinkProxies.start) { cluster in
            let leader = try await cluster.waitForLeader()
            var written: [String: String] = [:]
            for index in 0..<5 {
                #expect(try await cluster.create("/p-\(index)", data: "p\(index)", via: leader).status == 201)
                written["/p-\(index)"] = "p\(index)"
            }

            // The leader alone on one side: the majority elects another and keeps serving.
            try await cluster.isolate(leader)
            let majority = Self.others(cluster, leader)
            let newLeader = try await cluster.waitForLeader(
                among: majority, deadline: .now.advanced(by: .milliseconds(Self.electionBoundMs)))
            #expect(newLeader != leader)
            for name in majority {
                let path = "/majority-\(name)"
                #expect(try await cluster.create(path, data: name, via: name).status == 201)
                written[path] = name
            }
            // The minority never answers a linearizable read from its stale state, nor
            // takes a write.
            for _ in 0..<3 {
                let read = try await cluster.read("/majority-\(newLeader)", on: leader)
                #expect(read.status == 503, "the isolated old leader answered a linearizable read with \(read.status)")
            }
            let refused = try await cluster.create("/minority", data: "x", via: leader)
            #expect(refused.status == 503)
            let serializable = try await cluster.read("/p-0", on: leader, serializable: true)
            #expect(serializable.status == 200, "a serializable read on the minority is still local")

            try await cluster.healAll()
            #expect(await Self.converged(cluster, written), "members did not converge after healing")

            // One way: the current leader cannot reach one follower, which still reaches it.
            let current = try await cluster.waitForLeader()
            let cutOff = Self.others(cluster, current)[0]
            try await cluster.link(from: current, to: cutOff)?.cut()
            for index in 0..<5 {
                let path = "/one-way-\(index)"
                let created = await ClusterHarness.eventually(timeoutMs: 10_000) {
                    try await cluster.create(path, data: "o\(index)", via: current).status == 201
                }
                #expect(created, "the majority stopped taking writes under a one-way cut")
                written[path] = "o\(index)"
            }
            try await cluster.healAll()
            #expect(await Self.converged(cluster, written), "members did not converge after the one-way cut healed")
        }
    }

    /// Waits until every member has applied the same index and answers every written path
    /// with its data. (There is no digest endpoint; the written nodes and applied index
    /// stand in for the tree digest.)
    static func converged(_ cluster: ClusterHarness, _ written: [String: String]) async -> Bool {
        await ClusterHarness.eventually(timeoutMs: 30_000, pollMs: 50) {
            var applied: Set<UInt64> = []
            for name in cluster.names {
                applied.insert(try await cluster.clusterNumber("appliedIndex", on: name) ?? 0)
            }
            guard applied.count == 1 else { return false }
            for name in cluster.names {
                for (path, data) in written.sorted(by: { $0.key < $1.key }) {
                    guard try await cluster.read(path, on: name, serializable: true).data == data else { return false }
                }
            }
            return true
        }
    }

    /// SIGTERM on the leader hands leadership over before the process exits: the others
    /// agree on a new leader at once, where after a kill they first wait out an election
    /// timeout (1 s here).
    @Test(.timeLimit(.minutes(2)))
    func aLeaderStoppedWithSIGTERMHandsOverLeadershipFirst() async throws {
        try await ClusterHarness.with(count: 3, extraArgs: Self.timing) { cluster in
            let leader = try await cluster.waitForLeader()
            _ = try await cluster.create("/before-term", data: "x", via: leader)
            let status = await cluster.terminate(leader)
            #expect(status == 0, "the leader exited with \(String(describing: status))")
            let exitedAt = ContinuousClock.now
            let others = Self.others(cluster, leader)
            let next = try await cluster.waitForLeader(among: others, deadline: exitedAt.advanced(by: .seconds(10)))
            let waited = ContinuousClock.now - exitedAt
            #expect(next != leader)
            #expect(waited < .milliseconds(Self.electionTimeoutMs / 2), "a leader was agreed on \(waited) after the exit")
            let read = try await cluster.read("/before-term", on: next)
            #expect(read.status == 200 && read.data == "x")
        }
    }

    /// /readyz says whether a member has a leader and has applied what was committed when
    /// it learnt of one: a member left alone stops being ready, and is ready again once a
    /// majority is back.
    @Test(.timeLimit(.minutes(2)))
    func readinessFollowsHavingALeader() async throws {
        try await ClusterHarness.with(count: 3, extraArgs: Self.timing) { cluster in
            _ = try await cluster.waitForLeader()
            let alone = cluster.names[0]
            let endpoint = try cluster.member(alone)
            #expect(try await endpoint.client.send("GET", "/readyz").status == 200)
            for name in Self.others(cluster, alone) { cluster.kill9(name) }
            #expect(await ClusterHarness.eventually(timeoutMs: 15_000) {
                (try? await endpoint.client.send("GET", "/readyz").status) == 503
            }, "\(alone) stayed ready without a majority")
            try await cluster.restart(cluster.names[1])
            #expect(await ClusterHarness.eventually(timeoutMs: 15_000) {
                (try? await endpoint.client.send("GET", "/readyz").status) == 200
            }, "\(alone) did not become ready again with a majority")
        }
    }
}
