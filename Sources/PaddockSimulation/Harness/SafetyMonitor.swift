import RaftCore

/// Watches every node's Raft state after each simulated event and records any broken
/// safety property.
///
/// It keeps a global memory across all nodes and all time: the leader of each term, the
/// entry under each (index, term) with its predecessor's term, every committed entry,
/// and one canonical applied sequence. Each check compares a node's current view with
/// that memory, so a property broken by any interleaving is caught at the first event
/// that exposes it.
struct SafetyMonitor: Sendable {
    /// What one node looks like right now.
    struct NodeView: Sendable {
        var id: NodeID
        var term: Term
        var isLeader: Bool
        /// Index and term of the entry just before `entries` (the snapshot's, or zero).
        var firstIndex: LogIndex
        var previousTerm: Term
        /// The node's log after its snapshot, contiguous from `firstIndex.next`.
        var entries: [LogEntry]
        var commit: LogIndex

        /// The term of the entry at `index`, if the node still has it in its log.
        func term(at index: LogIndex) -> Term? {
            if index == firstIndex { return previousTerm }
            guard index > firstIndex else { return nil }
            let offset = Int(index.rawValue - firstIndex.rawValue) - 1
            return offset < entries.count ? entries[offset].term : nil
        }

        /// The entry at `index`, if the node still has it in its log.
        func entry(at index: LogIndex) -> LogEntry? {
            guard index > firstIndex else { return nil }
            let offset = Int(index.rawValue - firstIndex.rawValue) - 1
            return offset < entries.count ? entries[offset] : nil
        }
    }

    private struct Position: Hashable, Sendable, CustomStringConvertible {
        var index: LogIndex
        var term: Term
        var description: String { "\(index)@\(term)" }
    }

    private struct Recorded: Sendable, Equatable {
        var previousTerm: Term
        var kind: EntryKind
        var data: [UInt8]
    }

    private var leaderByTerm: [Term: NodeID] = [:]
    private var entriesByPosition: [Position: Recorded] = [:]
    /// Committed entries by index (index - 1 in the array); grows only.
    private var committed: [LogEntry] = []
    /// The applied sequence every node must follow, by index (index - 1 in the array).
    private var canonicalApplied: [LogEntry] = []
    /// The next index each node will apply.
    private var nextApplied: [NodeID: LogIndex] = [:]
    /// Violations found, oldest first.
    private(set) var violations: [SafetyViolation] = []

    /// Checks one node's view: election safety, log matching, committed entries, and
    /// leader completeness when it leads.
    mutating func observe(_ view: NodeView, tick: Int) {
        if view.isLeader {
            if let other = leaderByTerm[view.term], other != view.id {
                report(.electionSafety, "\(other) and \(view.id) both lead term \(view.term)", tick)
            } else if leaderByTerm[view.term] == nil {
                leaderByTerm[view.term] = view.id
                checkLeaderCompleteness(view, tick: tick)
            }
        }
        var previousTerm = view.previousTerm
        for entry in view.entries {
            let position = Position(index: entry.index, term: entry.term)
            let seen = Recorded(previousTerm: previousTerm, kind: entry.kind, data: entry.data)
            if let recorded = entriesByPosition[position] {
                if recorded != seen {
                    report(.logMatching, "\(view.id) holds a different entry or predecessor at \(position)", tick)
                }
            } else {
                entriesByPosition[position] = seen
            }
            previousTerm = entry.term
        }
        observeCommit(view, tick: tick)
    }

    /// Records the entries `view` says are committed and checks they never change.
    private mutating func observeCommit(_ view: NodeView, tick: Int) {
        var index = LogIndex(UInt64(committed.count) + 1)
        // Indexes already recorded as committed must match wherever the node still has them.
        let start = max(view.firstIndex.next, LogIndex(1))
        var check = start
        while check <= view.commit && Int(check.rawValue) <= committed.count {
            if let entry = view.entry(at: check), entry != committed[Int(check.rawValue) - 1] {
                report(.committedEntryChanged, "\(view.id) has \(entry.index)@\(entry.term) committed where \(committed[Int(check.rawValue) - 1].term) was", tick)
            }
            check = check.next
        }
        while index <= view.commit, let entry = view.entry(at: index) {
            committed.append(entry)
            index = index.next
        }
    }

    /// Raft §5.4.1: a new leader holds every entry committed before its term.
    private mutating func checkLeaderCompleteness(_ view: NodeView, tick: Int) {
        for entry in committed where entry.term < view.term && entry.index > view.firstIndex {
            if view.term(at: entry.index) != entry.term {
                report(.leaderCompleteness, "leader \(view.id) of term \(view.term) lacks committed \(entry.index)@\(entry.term)", tick)
                return
            }
        }
    }

    /// Checks that `node` restarts applying right after `index` (its snapshot).
    mutating func observeRestart(_ node: NodeID, appliedThrough index: LogIndex) {
        nextApplied[node] = index.next
    }

    /// Checks one applied entry against the canonical sequence and the committed record.
    mutating func observeApplied(_ node: NodeID, entry: LogEntry, tick: Int) {
        let expected = nextApplied[node] ?? LogIndex(1)
        if entry.index != expected {
            report(.appliedPrefix, "\(node) applied \(entry.index) but was due to apply \(expected)", tick)
        }
        nextApplied[node] = entry.index.next
        let slot = Int(entry.index.rawValue) - 1
        if slot < canonicalApplied.count {
            if canonicalApplied[slot] != entry {
                report(.appliedPrefix, "\(node) applied \(entry.index)@\(entry.term) where others applied term \(canonicalApplied[slot].term)", tick)
            }
        } else if slot == canonicalApplied.count {
            canonicalApplied.append(entry)
        }
        if slot < committed.count, committed[slot] != entry {
            report(.committedEntryChanged, "\(node) applied \(entry.index)@\(entry.term) but \(committed[slot].term) was committed", tick)
        }
    }

    /// Notes that `node` installed a snapshot through `index`: it applies from `index + 1`.
    mutating func observeSnapshotInstalled(_ node: NodeID, index: LogIndex) {
        nextApplied[node] = index.next
    }

    /// How many indexes are known committed (they run from 1 without a gap).
    var committedCount: Int { committed.count }

    /// The term of the entry committed at `index`, if known.
    func committedTerm(at index: LogIndex) -> Term? {
        let slot = Int(index.rawValue) - 1
        return slot >= 0 && slot < committed.count ? committed[slot].term : nil
    }

    /// The canonical applied sequence so far.
    var appliedSequence: [LogEntry] { canonicalApplied }

    /// Records a violation found by another checker.
    mutating func report(_ property: SafetyViolation.Property, _ detail: String, _ tick: Int) {
        violations.append(SafetyViolation(property: property, detail: detail, tick: tick))
    }
}
