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
            let bytes = copy.snapshot()
            let index = LogIndex(copy.lastApplied.rawValue)
            let wake = replica.shared.withLock { state in
                state.finishedSnapshot = (index, bytes)
                let wake = state.writerIdle
                state.writerIdle = false
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
    /// the serialization (the part that grows with the tree) was done off it. A failure is
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
        let compactThrough = LogIndex(
            finished.index.rawValue - min(finished.index.rawValue, UInt64(options.snapshotLogTailEntries))
        )
        do {
            try log.saveSnapshot(
                SnapshotRecord(index: finished.index, term: SingleNodeReplica.term, configuration: [], data: finished.bytes)
            )
            if compactThrough > .zero {
                try log.compact(through: compactThrough)
            }
        } catch {
            fail(ReplicaError(code: .storage, message: "storing the snapshot at \(finished.index) failed: \(error)"), batch: [])
            return
        }
        snapshotIndex = finished.index
        replica.shared.withLock { state in
            state.counters.snapshotsSaved += 1
            state.counters.lastSnapshotIndex = finished.index
            if compactThrough > .zero { state.counters.compactedThrough = compactThrough }
        }
        logger.info(
            "snapshot stored",
            metadata: ["index": "\(finished.index)", "bytes": "\(finished.bytes.count)", "compactedThrough": "\(compactThrough)"]
        )
        startSnapshotIfDue()
    }
}
