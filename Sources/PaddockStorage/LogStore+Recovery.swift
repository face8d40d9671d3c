import RaftCore

extension LogStore {
    /// Reads back everything a member needs to restart, verifying every checksum.
    ///
    /// The snapshot is chosen as `latestSnapshot()` describes; the entries are every stored
    /// entry after it, which must start right after it and have no gaps. The store then
    /// stands on the chosen snapshot (`firstIndex`, `lastIndex` and `term(at:)` agree with
    /// the result). Call this once after `init`, before anything else.
    /// - Throws: `.corrupt` naming the snapshot, the entry index or the hard state that fails
    ///   to verify, a gap in the log, or a commit index beyond the stored log. Nothing is
    ///   repaired or dropped.
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
}
