import PaddockTestSupport
import Testing
@testable import RaftCore

/// Drives small clusters through random delivery orders, losses, duplicates, partitions,
/// crashes, compactions and membership changes, checking Raft's safety properties after
/// every event; then heals everything and requires progress. A failure names its seed, and
/// the seed replays it. `PADDOCK_RAFT_SEEDS=N` runs N seeds per shape instead of 40.
@Suite struct RandomizedSafetyTests {
    struct Violation: Error, CustomStringConvertible {
        var seed: UInt64
        var step: Int
        var message: String
        var description: String { "seed \(seed), step \(step): \(message)" }
    }

    struct Run {
        let seed: UInt64
        var random: SplitMix64
        var cluster: TestCluster
        var leaders: [Term: NodeID] = [:]
        var committed: [LogIndex: LogEntry] = [:]
        var step = 0
        var proposals = 0
        var snapshotsInstalled = 0
        var reads = 0
        var readsServed = 0
        var transfers = 0
        var readFloors: [String: LogIndex] = [:]
        var readViolation: String?

        init(seed: UInt64, members: Int, spares: Int, classic: Bool = false) {
            self.seed = seed
            random = SplitMix64(seed: seed)
            let voters = (1...UInt64(members)).map { NodeID($0) }
            let everyone = (1...UInt64(members + spares)).map { NodeID($0) }
            cluster = TestCluster(bootstrap: Membership(voters: voters))
            for id in everyone {
                cluster.addNode(RaftConfig(
                    id: id, electionTimeoutTicks: 10, heartbeatIntervalTicks: 2, preVote: !classic,
                    checkQuorum: !classic, messageBytesMax: 8, inflightMessagesMax: 4, snapshotChunkBytesMax: 16,
                    randomSeed: seed &* 31 &+ id.rawValue))
            }
        }

        mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

        mutating func pick<T>(_ items: [T]) -> T? {
            items.isEmpty ? nil : items[Int.random(in: 0..<items.count, using: &random)]
        }

        /// One random fault-phase event.
        mutating func event() {
            let roll = Int.random(in: 0..<100, using: &random)
            switch roll {
            case 0..<28:
                if let id = pick(cluster.liveIDs) { cluster.tick(id, times: 1) }
            case 28..<58:
                if !cluster.pending.isEmpty {
                    let i = Int.random(in: 0..<cluster.pending.count, using: &random)
                    let m = cluster.pending[i]
                    if chance(10) { cluster.pending.remove(at: i); break }
                    if !chance(10) { cluster.pending.remove(at: i) }  // otherwise duplicated later
                    if cluster.nodes[m.to] != nil && cluster.canReach(m.from, m.to) { cluster.nodes[m.to]!.step(m) }
                }
            case 58..<70:
                if let id = pick(cluster.liveIDs) { _ = cluster.processReady(id) }
            case 70..<78:
                // The disk write of a Ready starts; the member keeps running meanwhile and a
                // crash before it finishes loses it.
                if let id = pick(cluster.liveIDs) { _ = cluster.beginReady(id) }
            case 78..<84:
                if let id = pick(cluster.writing.keys.sorted()) { cluster.finishReady(id) }
            case 84..<91:
                if let leader = cluster.liveIDs.first(where: { cluster.nodes[$0]!.role == .leader }) {
                    proposals += 1
                    _ = try? cluster.nodes[leader]!.propose(Array("p\(proposals)".utf8))
                }
            case 91..<93:
                let down = cluster.ids.filter { cluster.nodes[$0] == nil }
                if let id = pick(down) { cluster.restart(id) } else if let id = pick(cluster.liveIDs) { cluster.crash(id) }
            case 93..<95:
                if let id = pick(cluster.liveIDs), let node = cluster.nodes[id], node.appliedIndex > node.status.snapshotIndex {
                    compact(id)
                }
            case 95..<97:
                if let leader = cluster.liveIDs.first(where: { cluster.nodes[$0]!.role == .leader }), let target = pick(cluster.ids) {
                    let membership = cluster.nodes[leader]!.membership
                    let change: ConfChange = membership.isLearner(target)
                        ? (chance(70) ? .promoteLearner(target) : .remove(target))
                        : membership.isVoter(target) ? .remove(target) : .addLearner(target)
                    // Keep at least three voters so the liveness phase has a quorum to work with.
                    if case .remove = change, membership.voters.count <= 3 { break }
                    _ = try? cluster.nodes[leader]!.proposeConfChange(change)
                }
            case 97..<98:
                // A read must see every write committed anywhere before it was asked for.
                if let id = pick(cluster.liveIDs) {
                    reads += 1
                    let floor = cluster.liveIDs.map { cluster.nodes[$0]!.commitIndex }.max() ?? .zero
                    if (try? cluster.nodes[id]!.readIndex(context: Array("r\(reads)".utf8))) != nil {
                        readFloors["r\(reads)"] = floor
                    }
                }
            case 98..<99 where chance(50):
                if let leader = cluster.liveIDs.first(where: { cluster.nodes[$0]!.role == .leader }), let target = pick(cluster.ids) {
                    if (try? cluster.nodes[leader]!.transferLeadership(to: target)) != nil { transfers += 1 }
                }
            case 98..<99:
                var groups: [NodeID: Int] = [:]
                for id in cluster.ids { groups[id] = Int.random(in: 0..<2, using: &random) }
                cluster.groups = groups
            default:
                cluster.groups = nil
            }
            snapshotsInstalled += cluster.output.filter { $0.contains("installed snapshot") }.count
            for line in cluster.output where line.contains(" read ctx=") {
                // "n1 read ctx=r7 index=12"
                let fields = line.split(separator: " ")
                let context = String(fields[2].dropFirst(4))
                let index = LogIndex(UInt64(fields[3].dropFirst(6))!)
                if let floor = readFloors[context], index < floor {
                    readViolation = "read \(context) served at \(index) below commit \(floor) known before it"
                }
                readsServed += 1
            }
            cluster.output = []
        }

        mutating func compact(_ id: NodeID) {
            var node = cluster.nodes[id]!
            let index = node.appliedIndex
            let data = TestCluster.encodeState(cluster.applied[id]!)
            node.compact(snapshotData: data, through: index)
            cluster.nodes[id] = node
            let meta = SnapshotMetadata(index: index, term: node.term(at: index)!, membership: node.membership)
            cluster.storages[id]!.compact(Snapshot(metadata: meta, data: data))
        }

        /// The safety properties that must hold after every event.
        mutating func check() throws {
            if let readViolation { throw Violation(seed: seed, step: step, message: readViolation) }
            for id in cluster.liveIDs {
                let node = cluster.nodes[id]!
                if node.role == .leader {
                    if let other = leaders[node.term], other != id {
                        throw Violation(seed: seed, step: step, message: "two leaders in term \(node.term): \(other) and \(id)")
                    }
                    leaders[node.term] = id
                }
                // A committed index never changes its entry (checked on the newest entries
                // each step, on all of them every 50 steps).
                let snapshotIndex = node.status.snapshotIndex
                let from = step % 50 == 0 ? snapshotIndex.next : LogIndex(max(snapshotIndex.rawValue, node.commitIndex.rawValue > 3 ? node.commitIndex.rawValue - 3 : 0) + 1)
                if from <= node.commitIndex, let entries = node.logEntries(from: from) {
                    for entry in entries where entry.index <= node.commitIndex {
                        if let known = committed[entry.index], known != entry {
                            throw Violation(seed: seed, step: step, message: "\(id) has \(entry.index)@\(entry.term) where \(known.index)@\(known.term) was committed")
                        }
                        committed[entry.index] = entry
                    }
                }
            }
            if step % 50 == 0 { try checkPrefixes() }
        }

        /// State machines apply prefixes of one sequence; logs that share an entry share the
        /// whole prefix before it (Log Matching).
        func checkPrefixes() throws {
            let states = cluster.ids.map { cluster.applied[$0]! }
            for a in states {
                for b in states where a.count <= b.count {
                    guard Array(b.prefix(a.count)) == a else {
                        throw Violation(seed: seed, step: step, message: "applied \(a) is not a prefix of \(b)")
                    }
                }
            }
            let logs = cluster.liveIDs.map { id -> [LogIndex: LogEntry] in
                let node = cluster.nodes[id]!
                let entries = node.logEntries(from: node.status.snapshotIndex.next) ?? []
                return Dictionary(uniqueKeysWithValues: entries.map { ($0.index, $0) })
            }
            for a in logs {
                for b in logs {
                    let shared = a.keys.filter { b[$0] != nil }.sorted()
                    guard let lastMatch = shared.last(where: { a[$0]!.term == b[$0]!.term }) else { continue }
                    for index in shared where index < lastMatch && a[index] != b[index] {
                        throw Violation(seed: seed, step: step, message: "logs agree at \(lastMatch) but differ at \(index)")
                    }
                }
            }
        }

        /// With faults off, a leader must emerge and commit a new entry everywhere.
        mutating func requireLiveness() throws {
            cluster.groups = nil
            for id in cluster.ids where cluster.nodes[id] == nil { cluster.restart(id) }
            var marker: EntryPosition?
            for round in 0..<300 {
                for id in cluster.liveIDs { cluster.tick(id, times: 1) }
                cluster.stabilize()
                cluster.output = []
                step += 1
                try check()
                // Propose a marker, again if a leader change lost it.
                if let leader = cluster.liveIDs.first(where: { cluster.nodes[$0]!.role == .leader }),
                   marker.map({ cluster.nodes[leader]!.term(at: $0.index) != $0.term }) ?? true {
                    marker = try? cluster.nodes[leader]!.propose(Array("final".utf8))
                }
                if let marker, let leader = cluster.liveIDs.first(where: { cluster.nodes[$0]!.role == .leader }),
                   cluster.nodes[leader]!.membership.members.allSatisfy({ cluster.nodes[$0]!.appliedIndex >= marker.index }) {
                    try checkPrefixes()
                    _ = round
                    return
                }
            }
            let statuses = cluster.liveIDs.map { cluster.nodes[$0]!.status.description }.joined(separator: "; ")
            throw Violation(seed: seed, step: step, message: "no progress within 300 ticks after healing: \(statuses)")
        }
    }

    /// Shapes: voters, spare members that membership changes may add, and whether PreVote and
    /// CheckQuorum are off (the elections of the original paper).
    @Test(arguments: [(3, 0, false), (5, 0, false), (3, 2, false), (3, 0, true)])
    func randomFaultsKeepRaftSafeAndLive(members: Int, spares: Int, classic: Bool) async throws {
        struct Totals: Sendable {
            var snapshots = 0, membershipChanges = 0, elections = 0, readsServed = 0
            var seedsWithoutLeader: [UInt64] = []
        }
        // Seconds of computation: on a thread of its own, so the cooperative pool stays free.
        let totals = try await onOwnThread { () throws -> Totals in
            var totals = Totals()
            for seed in UInt64(1)...TextFile.randomizedSeedCount {
                var run = Run(seed: seed &* 1_000 &+ UInt64(members * 10 + spares + (classic ? 500 : 0)), members: members, spares: spares, classic: classic)
                for _ in 0..<1_500 {
                    run.step += 1
                    run.event()
                    try run.check()
                }
                try run.requireLiveness()
                if run.leaders.isEmpty { totals.seedsWithoutLeader.append(run.seed) }
                totals.snapshots += run.snapshotsInstalled
                totals.membershipChanges += run.committed.values.filter { $0.kind == .configChange }.count
                totals.elections += run.leaders.count
                totals.readsServed += run.readsServed
            }
            return totals
        }
        #expect(totals.seedsWithoutLeader.isEmpty, "seeds that never elected a leader: \(totals.seedsWithoutLeader)")
        // The runs must reach the interesting states, or passing them proves little.
        #expect(totals.elections > 2 * Int(TextFile.randomizedSeedCount), "only \(totals.elections) leaders elected")
        #expect(totals.snapshots > 5, "only \(totals.snapshots) snapshots installed by followers")
        #expect(totals.readsServed > 5, "only \(totals.readsServed) reads served")
        if spares > 0 { #expect(totals.membershipChanges > 5, "only \(totals.membershipChanges) membership changes committed") }
        print("members=\(members) spares=\(spares) classic=\(classic): \(totals.elections) leaders, \(totals.snapshots) snapshots installed, \(totals.membershipChanges) membership changes, \(totals.readsServed) reads")
    }
}
