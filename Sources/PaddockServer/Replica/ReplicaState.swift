import PaddockStorage
import RaftCore
import ZNodeTree

/// A proposal waiting in the replica's queue or in the transaction being written.
struct PendingProposal: Sendable {
    /// The entry, with its zxid and time assigned.
    var entry: Entry
    /// `entry` encoded, as it goes into the log.
    var bytes: [UInt8]
    /// Who waits for the answer; nil for the replica's own entries (no-op, expiry).
    var reply: ProposalCompletion?
}

/// A linearizable read waiting until the commit index at its arrival is applied.
struct ReadWaiter: Sendable {
    var readIndex: LogIndex
    var reply: CheckedContinuation<Result<TreeView, ReplicaError>, Never>
}

/// Numbers about the replica's work, for tests and metrics.
public struct ReplicaCounters: Sendable, Equatable {
    /// Proposals from callers and the replica itself that were written and applied.
    public var entriesApplied: Int = 0
    /// Log transactions (one fsync each) that stored proposals; less than
    /// `entriesApplied` when group commit batched them.
    public var transactionsCommitted: Int = 0
    /// Snapshots stored since start.
    public var snapshotsSaved: Int = 0
    /// Index of the newest stored snapshot (zero when none).
    public var lastSnapshotIndex: LogIndex = .zero
    /// Highest index removed from the log by compaction (zero when none).
    public var compactedThrough: LogIndex = .zero
}

/// Everything the replica's callers and its writer thread share, guarded by one lock.
///
/// Invariants: `appliedIndex <= committedIndex < nextIndex`; every proposal in `queue`
/// has a zxid in `committedIndex+1 ..< nextIndex`, in order; `tree` is what was applied
/// through `appliedIndex`.
struct ReplicaState: Sendable {
    enum Phase: Sendable, Equatable {
        /// Taking proposals and reads.
        case serving
        /// `shutdown()` was called: no new proposals; the queue drains.
        case stopping
        /// Storage failed: nothing more is served; the process must restart.
        case failed(ReplicaError)
    }

    var phase: Phase = .serving
    /// True once the writer thread ended (drained or failed) and the log is closed.
    var workerExited = false
    /// True while the writer waits for work: a proposer must signal it.
    var workerIdle = false
    var queue: [PendingProposal] = []
    /// Proposals taken by the writer and not answered yet.
    var inFlightCount = 0
    /// Encoded bytes of everything queued or in flight.
    var pendingBytes = 0
    /// The zxid the next proposal gets.
    var nextIndex: LogIndex
    /// Entry time never goes back, even when the wall clock does.
    var lastTimeMs: Int64
    /// The last index durably written (on one node, written is committed).
    var committedIndex: LogIndex
    /// The last index applied to `tree`.
    var appliedIndex: LogIndex
    /// The member is ready once this index (its start-of-run no-op) is applied.
    var readyIndex: LogIndex
    /// The published tree: what reads see.
    var tree: ZNodeTree
    var readWaiters: [ReadWaiter] = []
    var sessions = SessionDeadlines()
    var counters = ReplicaCounters()
    /// A snapshot serialized and compressed by the snapshot thread for the writer to store,
    /// or the error that stopped it.
    var finishedSnapshot: Result<PreparedSnapshot, StorageError>?
    var stopWaiters: [CheckedContinuation<Void, Never>] = []

    /// The error a request gets when the member does not serve, nil when it does.
    var refusal: ReplicaError? {
        switch phase {
        case .serving:
            return nil
        case .stopping:
            return ReplicaError(code: .shuttingDown, message: "the member is shutting down")
        case .failed(let error):
            return error
        }
    }

    /// Takes the next batch from the queue: at most `entriesMax` entries and `bytesMax`
    /// bytes, but always at least one entry. The caller owns them until it answers.
    mutating func takeBatch(entriesMax: Int, bytesMax: Int) -> [PendingProposal] {
        var count = 0
        var bytes = 0
        for proposal in queue where count < entriesMax {
            if count > 0 && bytes + proposal.bytes.count > bytesMax { break }
            bytes += proposal.bytes.count
            count += 1
        }
        var batch: [PendingProposal] = []
        if count == queue.count {
            swap(&batch, &queue)
        } else {
            batch = Array(queue.prefix(count))
            queue.removeFirst(count)
        }
        inFlightCount += count
        return batch
    }

    /// Gives `proposed` the next zxid and a time not before the previous entry's, then queues it.
    ///
    /// Returns true when the writer waits for work and must be woken.
    mutating func enqueue(
        _ proposed: Entry,
        bytes: [UInt8],
        reply: ProposalCompletion?
    ) -> Bool {
        var bytes = bytes
        let timeMs = max(proposed.timeMs, lastTimeMs)
        let entry = Entry(
            zxid: Zxid(rawValue: nextIndex.rawValue),
            timeMs: timeMs,
            idempotencyKey: proposed.idempotencyKey,
            command: proposed.command
        )
        // The zxid is not part of the encoding; the time is, so a clamped time re-encodes.
        if timeMs != proposed.timeMs || bytes.isEmpty {
            bytes = entry.encoded()
        }
        lastTimeMs = timeMs
        nextIndex = nextIndex.next
        pendingBytes += bytes.count
        queue.append(PendingProposal(entry: entry, bytes: bytes, reply: reply))
        if workerIdle {
            workerIdle = false
            return true
        }
        return false
    }
}

extension ReplicaState: WorkerShutdownState {
    mutating func beginStopping() {
        if phase == .serving { phase = .stopping }
    }
}
