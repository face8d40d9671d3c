import PaddockStorage
import RaftCore
import ZNodeTree

/// Rebuilds the tree at start: the newest valid snapshot, then every entry after it.
enum ReplicaRecovery {
    /// What recovery found.
    struct Outcome {
        /// The tree with every stored entry applied.
        var tree: ZNodeTree
        /// The last index in the log (or the snapshot's when the log is empty).
        var lastIndex: LogIndex
        /// The snapshot the tree started from (zero when none).
        var snapshotIndex: LogIndex
        /// Entries applied on top of the snapshot.
        var replayedCount: Int
        /// The newest entry time seen, so new entries never get an earlier one.
        var lastTimeMs: Int64
    }

    /// Reads `log` and replays it.
    ///
    /// - Throws: `.storage` when the store cannot be read, the snapshot or an entry does not
    ///   decode, an entry is not for the state machine, or the tree ends at another index
    ///   than the log. Nothing is repaired: a damaged store must be looked at by a person.
    static func recover(from log: some ReplicaLog, treeLimits: ZNodeTree.Limits) throws(ReplicaError) -> Outcome {
        let recovered: RecoveredState
        do {
            recovered = try log.recover()
        } catch {
            throw ReplicaError(code: .storage, message: "cannot recover the log: \(error)")
        }
        var tree = ZNodeTree(limits: treeLimits)
        var snapshotIndex = LogIndex.zero
        if let snapshot = recovered.snapshot {
            do {
                tree = try ZNodeTree(snapshot: snapshot.data)
            } catch {
                throw ReplicaError(code: .storage, message: "the snapshot at \(snapshot.index) does not decode: \(error)")
            }
            guard tree.lastApplied.rawValue == snapshot.index.rawValue else {
                throw ReplicaError(
                    code: .storage,
                    message: "the snapshot stored at \(snapshot.index) holds a tree applied through \(tree.lastApplied)"
                )
            }
            snapshotIndex = snapshot.index
        }
        var lastIndex = snapshotIndex
        // The snapshot remembers the newest entry time, for when no entry follows it.
        var lastTimeMs = max(0, tree.newestEntryTimeMs)
        var replayed = 0
        for stored in recovered.entries {
            guard stored.index == lastIndex.next else {
                throw ReplicaError(code: .storage, message: "the log jumps from \(lastIndex) to \(stored.index)")
            }
            lastIndex = stored.index
            guard stored.kind == .normal else {
                throw ReplicaError(code: .storage, message: "entry \(stored.index) is a membership change on a single node")
            }
            let entry: Entry
            do {
                entry = try Entry(decoding: stored.data, zxid: Zxid(rawValue: stored.index.rawValue))
            } catch {
                throw ReplicaError(code: .storage, message: "entry \(stored.index) does not decode: \(error)")
            }
            _ = tree.apply(entry)
            lastTimeMs = max(lastTimeMs, entry.timeMs)
            replayed += 1
        }
        guard tree.lastApplied.rawValue == lastIndex.rawValue else {
            throw ReplicaError(
                code: .storage,
                message: "the recovered tree is applied through \(tree.lastApplied) but the log ends at \(lastIndex)"
            )
        }
        let storedLast = log.lastIndex
        guard storedLast == lastIndex else {
            throw ReplicaError(
                code: .storage,
                message: "recovery read the log through \(lastIndex) but the store reports \(storedLast)"
            )
        }
        return Outcome(
            tree: tree,
            lastIndex: lastIndex,
            snapshotIndex: snapshotIndex,
            replayedCount: replayed,
            lastTimeMs: lastTimeMs
        )
    }
}
