import Dispatch
import Foundation
import Logging
import PaddockStorage
import RaftCore
import ZNodeTree

/// The replica's writer thread: group commit, apply, publish, answer, timers, snapshots.
///
/// `@unchecked Sendable` is safe because, once `startThread()` is called, every stored
/// property is touched only by that one thread (the log, the working tree, the snapshot
/// bookkeeping); what it shares with callers goes through `replica.shared`, a `Mutex`.
final class ReplicaWriter: @unchecked Sendable {
    let replica: SingleNodeReplica
    let log: any ReplicaLog
    /// The writer's own copy of the tree; published to readers after each batch.
    var tree: ZNodeTree
    var appliedIndex: LogIndex
    /// The newest stored snapshot's index.
    var snapshotIndex: LogIndex
    /// True while a snapshot is being serialized on its own thread; at most one is.
    var snapshotInFlight = false
    /// Signalled by the snapshot thread when it is done, so shutdown can wait for it.
    let snapshotDone = DispatchSemaphore(value: 0)
    var nextTickMs: Int64

    var options: ReplicaOptions { replica.options }
    var logger: Logger { replica.logger }

    init(replica: SingleNodeReplica, log: any ReplicaLog, tree: ZNodeTree, appliedIndex: LogIndex, snapshotIndex: LogIndex) {
        self.replica = replica
        self.log = log
        self.tree = tree
        self.appliedIndex = appliedIndex
        self.snapshotIndex = snapshotIndex
        self.nextTickMs = ReplicaClock.monotonicMs()
    }

    /// Starts the dedicated thread that runs `run()` until the replica stops or fails.
    func startThread() {
        let thread = Thread { [self] in self.run() }
        thread.name = "paddock-writer"
        thread.start()
    }

    /// What the writer does next.
    private enum Step {
        case write([PendingProposal])
        case wait
        case exit
    }

    /// The loop: take everything queued, write it in one transaction, apply, publish.
    func run() {
        while true {
            let step: Step = replica.shared.withLock { state in
                if !state.queue.isEmpty {
                    return .write(state.takeBatch(entriesMax: options.batchEntriesMax, bytesMax: options.batchBytesMax))
                }
                switch state.phase {
                case .serving:
                    state.workerIdle = true
                    return .wait
                case .stopping, .failed:
                    return .exit
                }
            }
            switch step {
            case .exit:
                finish()
                return
            case .wait:
                let waitMs = max(1, nextTickMs - ReplicaClock.monotonicMs())
                _ = replica.writerWake.wait(timeout: .now() + .milliseconds(Int(waitMs)))
            case .write(let batch):
                guard commit(batch) else { continue }
            }
            if ReplicaClock.monotonicMs() >= nextTickMs {
                proposeExpiries()
                nextTickMs = ReplicaClock.monotonicMs() + Int64(options.expiryTickMs)
            }
            storeFinishedSnapshot()
        }
    }

    // MARK: Group commit

    /// Writes `batch` in one transaction, applies it, publishes the tree, answers.
    ///
    /// Returns false when storage failed (the replica is then failed and answered).
    private func commit(_ batch: [PendingProposal]) -> Bool {
        guard let last = batch.last else { return true }
        let lastIndex = LogIndex(last.entry.zxid.rawValue)
        precondition(
            batch.first.map { $0.entry.zxid.rawValue == appliedIndex.rawValue + 1 } ?? true,
            "batch starts at \(batch.first?.entry.zxid.rawValue ?? 0) after applied \(appliedIndex)"
        )
        let entries = batch.map { proposal in
            LogEntry(term: SingleNodeReplica.term, index: LogIndex(proposal.entry.zxid.rawValue), data: proposal.bytes)
        }
        do {
            let hardState = HardState(term: SingleNodeReplica.term, vote: SingleNodeReplica.nodeID, commit: lastIndex)
            try log.save(hardState: hardState, entries: entries)
        } catch {
            fail(ReplicaError(code: .storage, message: "the log write failed, the member stopped serving: \(error)"), batch: batch)
            return false
        }
        replica.shared.withLock { $0.committedIndex = lastIndex }

        var answers: [(ProposalCompletion, Committed)] = []
        answers.reserveCapacity(batch.count)
        var sessionChanges: [(SessionID, ttlMs: Int64?)] = []
        var events: [WatchEvent] = []
        for proposal in batch {
            let output = tree.apply(proposal.entry)
            events.append(contentsOf: output.events)
            if let reply = proposal.reply {
                // A key reused while its first entry was still queued gets the first
                // entry's result from `apply`; its zxid comes from the table too, so
                // the answer matches the one an already-applied key gets at admission.
                var zxid = proposal.entry.zxid
                if let key = proposal.entry.idempotencyKey, let first = tree.idempotentResult(forKey: key) {
                    zxid = first.zxid
                }
                answers.append((reply, Committed(zxid: zxid, result: output.result)))
            }
            noteSessionChanges(of: proposal.entry.command, into: &sessionChanges)
        }
        appliedIndex = lastIndex

        let published = tree
        // Before the answers, so a client that wrote Z and then watches finds Z here; the
        // watchers get the batch after the answers.
        let delivery = replica.watchHub.record(events: events, appliedZxid: published.lastApplied, tree: published)
        let nowMs = ReplicaClock.monotonicMs()
        let (readers, previous) = replica.shared.withLock { state in
            let previous = state.tree
            state.tree = published
            state.appliedIndex = lastIndex
            state.inFlightCount -= batch.count
            state.pendingBytes -= batch.reduce(0) { $0 + $1.bytes.count }
            state.counters.entriesApplied += batch.count
            state.counters.transactionsCommitted += 1
            for (id, ttlMs) in sessionChanges {
                if let session = published.session(id) {
                    if ttlMs != nil { state.sessions.opened(id, ttlMs: session.ttlMs, nowMs: nowMs) }
                } else {
                    state.sessions.remove(id)
                }
            }
            var ready: [ReadWaiter] = []
            if !state.readWaiters.isEmpty {
                ready = state.readWaiters.filter { $0.readIndex <= lastIndex }
                state.readWaiters.removeAll { $0.readIndex <= lastIndex }
            }
            return (ready, previous)
        }
        _ = previous  // released here, outside the lock
        for (reply, committed) in answers {
            reply(.success(committed))
        }
        let view = TreeView(tree: published)
        for reader in readers {
            reader.reply.resume(returning: .success(view))
        }
        replica.watchHub.deliver(delivery)
        startSnapshotIfDue()
        return true
    }

    /// Records which sessions a command may have opened (with a ttl) or ended (nil).
    private func noteSessionChanges(of command: Command, into changes: inout [(SessionID, ttlMs: Int64?)]) {
        switch command {
        case .openSession(let id, let ttlMs):
            changes.append((id, ttlMs))
        case .closeSession(let id):
            changes.append((id, nil))
        case .expireSessions(let ids):
            for id in ids { changes.append((id, nil)) }
        default:
            break
        }
    }

    /// Storage failed: refuse everything from now on and answer every waiter with `error`.
    func fail(_ error: ReplicaError, batch: [PendingProposal]) {
        logger.critical("storage failed; the member stops serving", metadata: ["error": "\(error.message)"])
        let (queued, readers) = replica.shared.withLock { state in
            state.phase = .failed(error)
            let queued = state.queue
            state.queue.removeAll()
            state.inFlightCount = 0
            state.pendingBytes = 0
            let readers = state.readWaiters
            state.readWaiters.removeAll()
            return (queued, readers)
        }
        for proposal in batch + queued {
            proposal.reply?(.failure(error))
        }
        for reader in readers {
            reader.reply.resume(returning: .failure(error))
        }
    }

    /// Ends the thread: waits for an in-flight snapshot, closes the log, wakes `shutdown()`.
    private func finish() {
        if snapshotInFlight {
            // Wait for the snapshot thread, then give the signal back for the wait inside
            // `storeFinishedSnapshot`, which stores it (unless storage failed).
            snapshotDone.wait()
            snapshotDone.signal()
            storeFinishedSnapshot()
        }
        log.close()
        let waiters = replica.shared.withLock { state in
            state.workerExited = true
            let waiters = state.stopWaiters
            state.stopWaiters.removeAll()
            return waiters
        }
        logger.info("writer stopped", metadata: ["appliedIndex": "\(appliedIndex)"])
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Timers

    /// Proposes `expireSessions` for sessions past their deadline and `expireTTLNodes` for
    /// TTL nodes past their time, as the replica's own entries.
    private func proposeExpiries() {
        let expiredNodes = tree.expiredTTLNodes(asOfMs: ReplicaClock.wallMs())
        let wallMs = ReplicaClock.wallMs()
        replica.shared.withLock { state in
            guard state.phase == .serving else { return }
            let expired = state.sessions.takeExpired(nowMs: ReplicaClock.monotonicMs())
            if !expired.isEmpty {
                let entry = Entry(zxid: .zero, timeMs: wallMs, idempotencyKey: nil, command: .expireSessions(expired))
                _ = state.enqueue(entry, bytes: [], reply: nil)
            }
            if !expiredNodes.isEmpty {
                let entry = Entry(zxid: .zero, timeMs: wallMs, idempotencyKey: nil, command: .expireTTLNodes(expiredNodes))
                _ = state.enqueue(entry, bytes: [], reply: nil)
            }
        }
    }
}
