import RaftCore

extension LogStore {
    /// Reads back everything a member needs to restart, verifying every checksum.
    ///
    /// The snapshot is chosen as `latestSnapshot()` describes; the entries are every stored
    /// entry after it, which must start right after it and have no gaps. The store then
    /// stands on the chosen snapshot (`firstIndex`, `lastIndex` and `term(at:)` agree with
    /// the result). Call this once after `init`, before anything else.
    /// - Throws: `.corrupt` naming the snapshot, the entry index or the hard state that fails
    ///   to verify, a gap in the log, a term that decreases along the log, or a commit index
    ///   beyond the stored log. Nothing is repaired or dropped.
    public func recover() throws(StorageError) -> RecoveredState {
        let hardState = try readHardState()
        let snapshot = try selectSnapshot()
        let base = snapshot?.index ?? .zero
        var entries: [LogEntry] = []
        if let lastLogIndex, lastLogIndex > base {
            guard let firstLogIndex, firstLogIndex <= base.next else {
                throw StorageError(
                    code: .corrupt,
                    message: "log in \(path) starts at \(firstLogIndex ?? lastLogIndex) but the snapshot "
                        + "covers only through \(base): entries \(base.next)... are missing"
                )
            }
            entries = try readEntries(from: base.next, through: lastLogIndex)
            try checkTermsNeverDecrease(entries, after: snapshot)
        }
        snapshotIndex = base
        snapshotTerm = snapshot?.term ?? .zero
        guard hardState.commit <= lastIndex else {
            throw StorageError(
                code: .corrupt,
                message: "hard state in \(path) says \(hardState.commit) is committed "
                    + "but the log ends at \(lastIndex)"
            )
        }
        return RecoveredState(hardState: hardState, snapshot: snapshot, entries: entries)
    }

    /// Raft §5.3 (Log Matching): terms never decrease along a log, and the first entry after
    /// a snapshot is not older than it. Anything else is damage the checksums cannot see,
    /// such as rows from two different logs.
    private func checkTermsNeverDecrease(_ entries: [LogEntry], after snapshot: SnapshotRecord?) throws(StorageError) {
        var previous = snapshot?.term ?? .zero
        for entry in entries {
            guard entry.term >= previous else {
                throw StorageError(
                    code: .corrupt,
                    message: "log entry \(entry.index) in \(path) has term \(entry.term), "
                        + "older than the term \(previous) before it"
                )
            }
            previous = entry.term
        }
    }
}
