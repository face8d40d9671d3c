import PaddockStorage
import RaftCore

/// A `ReplicaLog` that times each durable append and counts its entries.
///
/// Why a wrapper: `save(hardState:entries:)` is the replica's one fsync point (group
/// commit writes a whole batch in one call), so timing it here measures exactly the log
/// transaction, and the replica code stays as it is. Snapshots and compaction are passed
/// through untimed. Like every `ReplicaLog` it is used by one thread at a time.
public final class InstrumentedReplicaLog: ReplicaLog {
    private let base: any ReplicaLog
    private let metrics: PaddockMetrics
    private let clock = ContinuousClock()

    /// Wraps `base`; the wrapper owns it from now on (and closes it when closed).
    public init(_ base: any ReplicaLog, metrics: PaddockMetrics) {
        self.base = base
        self.metrics = metrics
    }

    /// See `ReplicaLog.recover()`.
    /// - Throws: what `base` throws.
    public func recover() throws(StorageError) -> RecoveredState {
        try base.recover()
    }

    /// Appends through `base` and, when it succeeds, records its duration and batch size;
    /// a failed append is not recorded (the member stops serving then).
    /// - Throws: what `base` throws.
    public func save(hardState: HardState?, entries: [LogEntry]) throws(StorageError) {
        let start = clock.now
        try base.save(hardState: hardState, entries: entries)
        metrics.recordFsync(start.duration(to: clock.now))
        metrics.recordAppendBatch(entries: entries.count)
    }

    /// See `ReplicaLog.saveSnapshot(_:)`.
    /// - Throws: what `base` throws.
    public func saveSnapshot(_ snapshot: SnapshotRecord) throws(StorageError) {
        try base.saveSnapshot(snapshot)
    }

    /// See `ReplicaLog.saveSnapshot(_:)`.
    /// - Throws: what `base` throws.
    public func saveSnapshot(_ snapshot: PreparedSnapshot) throws(StorageError) {
        try base.saveSnapshot(snapshot)
    }

    /// See `ReplicaLog.compact(through:)`.
    /// - Throws: what `base` throws.
    public func compact(through: LogIndex) throws(StorageError) {
        try base.compact(through: through)
    }

    /// See `ReplicaLog.lastIndex`.
    public var lastIndex: LogIndex { base.lastIndex }

    /// See `ReplicaLog.close()`.
    public func close() {
        base.close()
    }
}
