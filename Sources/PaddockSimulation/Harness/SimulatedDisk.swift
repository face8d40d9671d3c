import RaftCore

/// A simulated disk for one node: writes become durable only when synced, and a crash
/// loses every write not yet synced.
///
/// Writes are applied in order to the pending image; `sync` makes the pending image
/// durable; `crash` throws the pending image away. A restart reads `durable`.
///
/// Invariant: `durable.entries` and `pending.entries` are contiguous and start right after
/// their snapshot's index.
struct SimulatedDisk<SnapshotValue: Sendable>: Sendable {
    /// What a disk holds.
    struct Image: Sendable {
        var hardState = HardState()
        /// The latest snapshot, with the index and term it covers.
        var snapshot: SnapshotValue?
        var snapshotIndex = LogIndex.zero
        var snapshotTerm = Term.zero
        /// Log entries after the snapshot.
        var entries: [LogEntry] = []

        /// The index of the last entry, or the snapshot's index when the log is empty.
        var lastIndex: LogIndex { entries.last?.index ?? snapshotIndex }
    }

    /// What survives a crash.
    private(set) var durable = Image()
    /// What the node has written, synced or not.
    private(set) var pending = Image()
    /// Whether `pending` holds writes not yet synced.
    private(set) var isDirty = false

    /// Saves a snapshot through `index` and drops every entry it covers, or the whole log
    /// when the entry at `index` is absent or from another term.
    mutating func writeSnapshot(_ snapshot: SnapshotValue, index: LogIndex, term: Term) {
        let keep = pending.entries.first { $0.index == index }?.term == term
        pending.entries = keep ? pending.entries.filter { $0.index > index } : []
        pending.snapshot = snapshot
        pending.snapshotIndex = index
        pending.snapshotTerm = term
        isDirty = true
    }

    /// Appends `entries`, first deleting every stored entry at or after the first one's index.
    ///
    /// - Precondition: the entries are contiguous and follow the kept log without a gap.
    mutating func writeEntries(_ entries: [LogEntry]) {
        guard let first = entries.first else { return }
        precondition(first.index > pending.snapshotIndex, "write of \(first.index) into a snapshot through \(pending.snapshotIndex)")
        pending.entries.removeAll { $0.index >= first.index }
        precondition(pending.lastIndex.next == first.index, "gap: log ends at \(pending.lastIndex), write starts at \(first.index)")
        pending.entries.append(contentsOf: entries)
        isDirty = true
    }

    /// Replaces the hard state.
    mutating func writeHardState(_ hardState: HardState) {
        pending.hardState = hardState
        isDirty = true
    }

    /// Drops entries through `index` (the application compacted its log after a snapshot).
    mutating func compact(through index: LogIndex, snapshot: SnapshotValue, term: Term) {
        writeSnapshot(snapshot, index: index, term: term)
    }

    /// Makes everything written so far durable.
    mutating func sync() {
        durable = pending
        isDirty = false
    }

    /// Loses every write since the last sync.
    mutating func crash() {
        pending = durable
        isDirty = false
    }
}
