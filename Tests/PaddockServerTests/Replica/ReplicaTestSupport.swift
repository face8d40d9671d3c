import Foundation
import PaddockStorage
import RaftCore
import Synchronization
import Testing
import ZNodeTree

@testable import PaddockServer

/// A scratch directory under the system temp dir, removed by `remove()`.
struct TempDirectory {
    let path: String

    init(_ label: String = "replica") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/paddock-\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

func path(_ string: String) -> ZNodePath {
    try! ZNodePath(validating: string)
}

func createCommand(_ pathString: String, _ data: String, kind: NodeKind = .persistent, session: SessionID? = nil) -> Command {
    .create(CreateOp(path: path(pathString), data: Array(data.utf8), kind: kind, session: session, ttlMs: nil, createParents: false))
}

/// A log wrapping `LogStore` that can be told to fail or to hold writes, for tests of
/// storage failure and backpressure.
///
/// `@unchecked Sendable`: the switches are atomics/semaphores; the store itself is only
/// touched by the replica's writer thread, as `ReplicaLog` requires.
final class FaultyLog: ReplicaLog, @unchecked Sendable {
    let store: LogStore
    let failSaves = Atomic<Bool>(false)
    let holdSaves = Atomic<Bool>(false)
    let saveCalls = Atomic<Int>(0)
    let release = DispatchSemaphore(value: 0)

    init(store: LogStore) { self.store = store }

    func recover() throws(StorageError) -> RecoveredState { try store.recover() }

    func save(hardState: HardState?, entries: [LogEntry]) throws(StorageError) {
        saveCalls.add(1, ordering: .sequentiallyConsistent)
        if holdSaves.load(ordering: .sequentiallyConsistent) { release.wait() }
        if failSaves.load(ordering: .sequentiallyConsistent) {
            throw StorageError(code: .io, message: "injected disk failure")
        }
        try store.save(hardState: hardState, entries: entries)
    }

    func saveSnapshot(_ snapshot: SnapshotRecord) throws(StorageError) { try store.saveSnapshot(snapshot) }
    func saveSnapshot(_ snapshot: PreparedSnapshot) throws(StorageError) { try store.saveSnapshot(snapshot) }
    func compact(through: LogIndex) throws(StorageError) { try store.compact(through: through) }
    var lastIndex: LogIndex { store.lastIndex }
    func close() { store.close() }
}
