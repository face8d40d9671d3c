import Foundation
import PaddockStorage
import RaftCore
import ZNodeTree

extension ReplicaWriter {
    /// Starts serializing a snapshot on its own thread when `snapshotIntervalEntries`
    /// entries were applied since the last one and none is in flight.
    ///
    /// The tree is a copy-on-write value: the copy handed over is a consistent snapshot at
    /// `appliedIndex` taken in O(1), and the writer keeps applying while it is serialized.
    func startSnapshotIfDue() {
        guard !snapshotInFlight,
            appliedIndex.rawValue - snapshotIndex.rawValue >= UInt64(options.snapshotIntervalEntries),
            replica.shared.withLock({ $0.phase == .serving })
        else { return }
        snapshotInFlight = true
        let copy = tree
        let replica = self.replica
        let done = snapshotDone
        let thread = Thread {
            // Serializing and compressing grow with the tree; both stay off the writer.
            let record = SnapshotRecord(
                index: LogIndex(copy.lastApplied.rawValue), term: SingleNodeReplica.term, configuration: [],
                data: copy.snapshot())
            let prepared = Result { () throws(StorageError) in try PreparedSnapshot(record) }
            let wake = replica.shared.withLock { state in
                state.finishedSnapshot = prepared
                let wake = state.workerIdle
                state.workerIdle = false
                return wake
            }
            done.signal()
            if wake { replica.writerWake.signal() }
        }
        thread.name = "paddock-snapshot"
        thread.start()
    }

    /// Stores a snapshot the snapshot thread finished, then compacts the log behind it,
    /// keeping `snapshotLogTailEntries` entries.
    ///
    /// Both run on the writer thread because the store has one connection owned by it;
    /// serialization and compression (the parts that grow with the tree) were done off it,
    /// so the writer only inserts the prepared row. A failure is
    /// a storage failure: the replica stops serving.
    func storeFinishedSnapshot() {
        guard snapshotInFlight else { return }
        let finished = replica.shared.withLock { state in
            let finished = state.finishedSnapshot
            state.finishedSnapshot = nil
            return finished
        }
        guard let finished else { return }
        // The semaphore was signalled together with `finishedSnapshot`; keep it balanced.
        snapshotDone.wait()
        snapshotInFlight = false
        if case .failed = replica.shared.withLock({ $0.phase }) { return }
        let prepared: PreparedSnapshot
        switch finished {
        case .success(let snapshot):
            prepared = snapshot
        case .failure(let error):
            fail(ReplicaError(code: .storage, message: "compressing a snapshot failed: \(error)"), batch: [])
            return
        }
        let compactThrough = LogIndex(
            prepared.index.rawValue - min(prepared.index.rawValue, UInt64(options.snapshotLogTailEntries))
        )
        do {
            try log.saveSnapshot(prepared)
            if compactThrough > .zero {
                try log.compact(through: compactThrough)
            }
        } catch {
            fail(ReplicaError(code: .storage, message: "storing the snapshot at \(prepared.index) failed: \(error)"), batch: [])
            return
        }
        snapshotIndex = prepared.index
        replica.shared.withLock { state in
            state.counters.snapshotsSaved += 1
            state.counters.lastSnapshotIndex = prepared.index
            if compactThrough > .zero { state.counters.compactedThrough = compactThrough }
        }
        logger.info(
            "snapshot stored",
            metadata: [
                "index": "\(prepared.index)", "bytes": "\(prepared.dataBytes)", "compressedBytes": "\(prepared.compressedBytes)",
                "compactedThrough": "\(compactThrough)",
            ]
        )
        startSnapshotIfDue()
    }
}
