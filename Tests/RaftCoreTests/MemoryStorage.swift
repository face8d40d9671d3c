import RaftCore

/// What a member's disk holds in the scenarios: written only from `Ready`, following its
/// persistence contract, so a crash keeps exactly this.
struct MemoryStorage {
    var hardState = HardState()
    var snapshot: Snapshot?
    var entries: [LogEntry] = []

    /// Persists a Ready: snapshot, then entries (replacing any suffix), then hard state.
    mutating func save(_ ready: Ready) {
        if let s = ready.snapshot {
            // Raft §7: keep the suffix only when the entry at the snapshot index matches.
            let keep = entries.first { $0.index == s.metadata.index }?.term == s.metadata.term
            entries = keep ? entries.filter { $0.index > s.metadata.index } : []
            snapshot = s
        }
        if let first = ready.entries.first {
            entries.removeAll { $0.index >= first.index }
            entries.append(contentsOf: ready.entries)
        }
        if let hs = ready.hardState { hardState = hs }
    }

    /// Records a snapshot the member took itself and drops the log prefix it covers.
    mutating func compact(_ s: Snapshot) {
        snapshot = s
        entries.removeAll { $0.index <= s.metadata.index }
    }

    var persistentState: PersistentState {
        PersistentState(hardState: hardState, snapshot: snapshot, entries: entries)
    }
}
