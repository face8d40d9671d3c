/// A member's view of the replicated log: a compacted prefix (the snapshot position), the
/// entries after it, and how far they are durable, committed and applied.
///
/// Invariants:
/// `snapshotIndex <= applied <= committed <= lastIndex`, except that `applied` may trail
/// `snapshotIndex` while a received snapshot waits to be installed;
/// `stableIndex <= lastIndex`; `entries[i].index == snapshotIndex + 1 + i`;
/// entry terms never decrease along the log.
struct RaftLog: Sendable {
    /// The index of the last entry folded into the snapshot (0 when none).
    private(set) var snapshotIndex: LogIndex
    /// The term of the entry at `snapshotIndex`.
    private(set) var snapshotTerm: Term
    /// The entries after the snapshot.
    private(set) var entries: [LogEntry]
    /// The highest index known committed.
    private(set) var committed: LogIndex
    /// The highest index the state machine has applied (or installed by snapshot).
    var applied: LogIndex
    /// The highest index known durable on this member.
    private(set) var stableIndex: LogIndex
    /// A snapshot received from the leader that is not yet durable and installed.
    private(set) var pendingSnapshot: Snapshot?

    /// A log restored from durable state.
    init(snapshot: SnapshotMetadata?, entries: [LogEntry], committed: LogIndex) {
        snapshotIndex = snapshot?.index ?? .zero
        snapshotTerm = snapshot?.term ?? .zero
        for (offset, entry) in entries.enumerated() {
            precondition(
                entry.index.rawValue == snapshotIndex.rawValue + 1 + UInt64(offset),
                "restored entry \(entry.index) out of place after snapshot \(snapshotIndex)")
        }
        self.entries = entries
        let last = LogIndex(snapshotIndex.rawValue + UInt64(entries.count))
        precondition(committed <= last, "restored commit \(committed) beyond last index \(last)")
        self.committed = max(committed, snapshotIndex)
        self.applied = snapshotIndex
        self.stableIndex = last
        self.pendingSnapshot = nil
    }

    var firstIndex: LogIndex { snapshotIndex.next }
    var lastIndex: LogIndex { LogIndex(snapshotIndex.rawValue + UInt64(entries.count)) }
    var lastTerm: Term { entries.last?.term ?? snapshotTerm }

    /// The term of the entry at `index`, or nil when it is compacted away or beyond the log.
    func term(at index: LogIndex) -> Term? {
        if index == snapshotIndex { return snapshotTerm }
        guard index > snapshotIndex, index <= lastIndex else { return nil }
        return entries[offset(of: index)].term
    }

    func matchTerm(_ index: LogIndex, _ term: Term) -> Bool { self.term(at: index) == term }

    /// Raft §5.4.1: a candidate's log is at least as up to date as this one.
    func isUpToDate(lastIndex otherIndex: LogIndex, lastTerm otherTerm: Term) -> Bool {
        otherTerm > lastTerm || (otherTerm == lastTerm && otherIndex >= lastIndex)
    }

    private func offset(of index: LogIndex) -> Int {
        Int(index.rawValue - snapshotIndex.rawValue - 1)
    }

    /// The entries from `index` on, at most `bytesMax` payload bytes but at least one entry;
    /// nil when `index` is compacted away.
    func entries(from index: LogIndex, bytesMax: Int) -> [LogEntry]? {
        guard index > snapshotIndex else { return nil }
        guard index <= lastIndex else { return [] }
        var result: [LogEntry] = []
        var bytes = 0
        for entry in entries[offset(of: index)...] {
            if !result.isEmpty && bytes + entry.data.count > bytesMax { break }
            bytes += entry.data.count
            result.append(entry)
        }
        return result
    }

    /// The entries in `range`, which must lie inside the log.
    func slice(_ lower: LogIndex, through upper: LogIndex) -> ArraySlice<LogEntry> {
        guard lower <= upper else { return [] }
        precondition(lower > snapshotIndex && upper <= lastIndex, "slice \(lower)...\(upper) outside \(firstIndex)...\(lastIndex)")
        return entries[offset(of: lower)...offset(of: upper)]
    }

    /// Entries not yet known durable.
    var unstableEntries: [LogEntry] {
        stableIndex >= lastIndex ? [] : Array(slice(max(stableIndex.next, firstIndex), through: lastIndex))
    }

    /// Whether some entries are not yet known durable (cheaper than `unstableEntries`).
    var hasUnstableEntries: Bool { stableIndex < lastIndex }

    /// The range of committed, durable entries not yet handed to the state machine.
    private var nextCommittedRange: (from: LogIndex, through: LogIndex) {
        (max(applied, pendingSnapshot?.metadata.index ?? .zero, snapshotIndex).next, min(committed, stableIndex))
    }

    /// Whether `nextCommittedEntries` is non-empty (cheaper than building it).
    var hasNextCommittedEntries: Bool { nextCommittedRange.from <= nextCommittedRange.through }

    /// Committed, durable entries not yet handed to the state machine.
    var nextCommittedEntries: [LogEntry] {
        let (from, through) = nextCommittedRange
        return from > through ? [] : Array(slice(from, through: through))
    }

    /// Appends a leader's own new entries.
    mutating func append(_ newEntries: [LogEntry]) {
        for entry in newEntries {
            precondition(entry.index == lastIndex.next, "appending \(entry.index) after \(lastIndex)")
            precondition(entry.term >= lastTerm, "appending term \(entry.term) after term \(lastTerm)")
            entries.append(entry)
        }
    }

    /// Raft §5.3: when the entry at `prevIndex` has `prevTerm`, merges `newEntries` (cutting a
    /// conflicting suffix) and returns the index of the last new entry; otherwise nil.
    mutating func maybeAppend(prevIndex: LogIndex, prevTerm: Term, entries newEntries: [LogEntry]) -> LogIndex? {
        guard matchTerm(prevIndex, prevTerm) else { return nil }
        let lastNew = LogIndex(prevIndex.rawValue + UInt64(newEntries.count))
        for (i, entry) in newEntries.enumerated() {
            precondition(entry.index.rawValue == prevIndex.rawValue + 1 + UInt64(i), "append message not contiguous at \(entry.index)")
            if entry.index <= snapshotIndex { continue }
            if let existing = term(at: entry.index), existing == entry.term { continue }
            // The first entry that is new or conflicts: everything from here is replaced.
            precondition(entry.index > committed, "conflict at \(entry.index) at or below commit \(committed)")
            truncate(after: entry.index.previous)
            append(Array(newEntries[i...]))
            break
        }
        return lastNew
    }

    private mutating func truncate(after index: LogIndex) {
        guard index < lastIndex else { return }
        entries.removeSubrange(offset(of: index.next)...)
        stableIndex = min(stableIndex, index)
    }

    /// The largest index at most `index` whose term is at most `term`, with its term: where a
    /// follower's and a leader's logs may agree (etcd's findConflictByTerm).
    func conflictHint(index: LogIndex, term: Term) -> EntryPosition {
        var i = min(index, lastIndex)
        while i > snapshotIndex {
            let t = self.term(at: i)!
            if t <= term { return EntryPosition(term: t, index: i) }
            i = i.previous
        }
        return EntryPosition(term: snapshotTerm, index: snapshotIndex)
    }

    /// Raises the commit index; it never falls.
    mutating func commit(to index: LogIndex) {
        guard index > committed else { return }
        precondition(index <= lastIndex, "commit \(index) beyond last index \(lastIndex): log lost or corrupted")
        committed = index
    }

    /// Marks entries through `index` durable when the entry there still has `term`.
    mutating func stable(to index: LogIndex, term: Term) {
        guard matchTerm(index, term), index > stableIndex else { return }
        stableIndex = index
    }

    /// Marks a received snapshot durable and installed.
    mutating func snapshotInstalled(_ metadata: SnapshotMetadata) {
        if pendingSnapshot?.metadata == metadata { pendingSnapshot = nil }
        applied = max(applied, metadata.index)
    }

    /// Raft §7: replaces the log by `snapshot`, keeping the suffix only when the entry at
    /// the snapshot index has the snapshot's term.
    mutating func restore(_ snapshot: Snapshot) {
        let meta = snapshot.metadata
        precondition(meta.index > committed, "restoring snapshot \(meta.index) at or below commit \(committed)")
        if matchTerm(meta.index, meta.term) {
            entries.removeSubrange(..<(offset(of: meta.index) + 1))
            stableIndex = max(stableIndex, meta.index)
        } else {
            entries = []
            stableIndex = meta.index
        }
        snapshotIndex = meta.index
        snapshotTerm = meta.term
        committed = meta.index
        pendingSnapshot = snapshot
    }

    /// Drops entries through `index`, which the application has captured in a snapshot.
    mutating func compact(through index: LogIndex) {
        guard index > snapshotIndex else { return }
        precondition(index <= applied, "compacting to \(index) beyond applied \(applied)")
        let t = term(at: index)!
        entries.removeSubrange(..<(offset(of: index) + 1))
        snapshotIndex = index
        snapshotTerm = t
    }
}
