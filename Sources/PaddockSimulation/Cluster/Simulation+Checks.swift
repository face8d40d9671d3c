import RaftCore

/// Rare-state counting and the end-of-run checks (exactly once, linearizability).
extension Simulation {
    /// Counts the rare states visible in one member's view.
    mutating func countRareStates(_ view: SafetyMonitor.NodeView, role: RaftRole) {
        if role == .candidate {
            var candidates = candidatesByTerm[view.term, default: []]
            if !candidates.contains(view.id) {
                candidates.append(view.id)
                if candidates.count == 2 { rareStates.splitVote += 1 }
                candidatesByTerm[view.term] = candidates
            }
        }
        if view.isLeader && !olderTermUncommittedTerms.contains(view.term) {
            let uncommitted = view.entries.filter { $0.index > view.commit }
            if uncommitted.contains(where: { $0.term < view.term }) {
                olderTermUncommittedTerms.insert(view.term)
                rareStates.leaderWithOlderTermUncommitted += 1
            }
        }
    }

    /// A snapshot's first chunk goes to `follower`: counts it when the follower holds an
    /// entry that disagrees with the committed record.
    mutating func noteSnapshotSent(to follower: NodeID) {
        let index = Int(follower.rawValue) - 1
        guard members.indices.contains(index), let raft = members[index].raft else { return }
        let first = raft.status.snapshotIndex
        for entry in raft.logEntries(from: first.next) ?? [] {
            if let committedTerm = monitor.committedTerm(at: entry.index), committedTerm != entry.term {
                rareStates.snapshotToDivergentFollower += 1
                return
            }
        }
    }

    /// Every acknowledged write applied exactly once, no write applied twice, and the
    /// clients' history linearizable.
    mutating func finalChecks() {
        var applications: [UInt64: Int] = [:]
        for entry in monitor.appliedSequence where entry.kind == .normal {
            if let command = KeyValueCommand(decoding: entry.data) {
                applications[command.operationID, default: 0] += 1
                if applications[command.operationID]! > 1 {
                    monitor.report(.exactlyOnce, "operation \(command.operationID) applied twice (again at \(entry.index))", tick)
                    return
                }
            }
        }
        for id in acknowledgedWrites where applications[id] != 1 {
            monitor.report(.exactlyOnce, "acknowledged operation \(id) applied \(applications[id] ?? 0) times", tick)
            return
        }
        let result = LinearizabilityChecker(model: RegisterModel(), stepsMax: 5_000_000).check(history)
        linearizabilityUnknown = result.verdict == .unknown
        if result.verdict == .notLinearizable {
            monitor.report(.linearizability, "history of \(history.count) operations is not linearizable (key part \(result.failingPartition ?? -1))", tick)
        }
    }
}
