import PaddockStorage
import RaftCore

/// The durable log a replica writes through: what `LogStore` offers, as a protocol.
///
/// The replica needs only these calls, all made from its one writer thread, so a test can
/// wrap the real store to inject a disk failure, and the replicated member can keep the same
/// shape when Raft decides what to persist. Not `Sendable`: one thread owns it at a time.
public protocol ReplicaLog: AnyObject {
    /// The hard state, newest valid snapshot and every entry after it.
    /// - Throws: `StorageError` when the stored data is unreadable or corrupt.
    func recover() throws(StorageError) -> RecoveredState
    /// Appends `entries` (and `hardState`) in one durable transaction.
    /// - Throws: `StorageError`; nothing of the call is stored then.
    func save(hardState: HardState?, entries: [LogEntry]) throws(StorageError)
    /// Stores a snapshot durably.
    /// - Throws: `StorageError`; the previous snapshots stay valid.
    func saveSnapshot(_ snapshot: SnapshotRecord) throws(StorageError)
    /// Stores a snapshot compressed beforehand on another thread.
    /// - Throws: `StorageError`; the previous snapshots stay valid.
    func saveSnapshot(_ snapshot: PreparedSnapshot) throws(StorageError)
    /// Deletes the entries with index at most `through`.
    /// - Throws: `StorageError`.
    func compact(through: LogIndex) throws(StorageError)
    /// The last stored entry's index, or the snapshot's when the log is empty.
    var lastIndex: LogIndex { get }
    /// Releases the database; no call is made after it.
    func close()
}

extension LogStore: ReplicaLog {}
