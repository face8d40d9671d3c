import RaftCore

/// Everything a member needs to restart: what `LogStore.recover()` returns.
///
/// Invariant: `entries` are contiguous and start at `snapshot.index + 1` (or 1 without a
/// snapshot); every entry and the hard state passed their checksums.
public struct RecoveredState: Sendable {
    /// The stored hard state, or the zero value when none was ever stored.
    public var hardState: HardState
    /// The newest snapshot that verifies, or nil when there is none.
    public var snapshot: SnapshotRecord?
    /// Every stored entry after the snapshot, in index order.
    public var entries: [LogEntry]

    /// A recovered state from its parts.
    public init(hardState: HardState, snapshot: SnapshotRecord?, entries: [LogEntry]) {
        self.hardState = hardState
        self.snapshot = snapshot
        self.entries = entries
    }
}
