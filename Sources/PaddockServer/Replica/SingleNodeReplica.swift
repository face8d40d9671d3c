import Dispatch
import Foundation
import Logging
import PaddockStorage
import RaftCore
import Synchronization
import ZNodeTree

/// A one-member Paddock: the durable log, the tree, sessions and snapshots in one process.
///
/// Stages, as Raft will run them with more members: `propose` assigns the zxid (the log
/// index; term is always 1 here) and the entry time, then queues the entry; one writer
/// thread takes everything queued while its previous transaction was committing and writes
/// it in ONE transaction (group commit), applies the batch to its own copy of the tree,
/// publishes that copy for readers, and answers every waiting proposal. Only the
/// "write the batch durably" step changes when RaftCore arrives: it becomes "persist,
/// replicate, learn the commit index".
///
/// The writer is a dedicated thread, not an event loop or the cooperative pool, because
/// SQLite's fsync blocks. Readers take the published tree under a short lock (copying it is
/// O(1)); no actor hop. When storage fails the replica stops serving: every call throws
/// `.storage`, `status.isHealthy` is false, and nothing unpersisted was acknowledged.
///
/// Sessions: deadlines live in memory (see `SessionDeadlines`); the writer's timer proposes
/// `expireSessions` for those past their deadline and `expireTTLNodes` for expired TTL
/// nodes. After a restart every recovered session gets a fresh full TTL.
///
/// Watches: the writer publishes every applied batch to `watchHub` (events and tree)
/// before it answers the batch's writes.
public final class SingleNodeReplica: ReplicaService, WatchHubProviding {
    /// The term of every entry on a single node: it is its own leader from the start.
    static let term = Term(1)
    /// The member's own id in the stored hard state.
    static let nodeID = NodeID(1)

    let options: ReplicaOptions
    let logger: Logger
    let shared: Mutex<ReplicaState>
    /// Wakes the writer when it is idle (see `ReplicaState.workerIdle`).
    let writerWake = DispatchSemaphore(value: 0)
    /// The member's watch hub, fed by the writer after each applied batch.
    public let watchHub: WatchHub

    private init(options: ReplicaOptions, logger: Logger, state: consuming ReplicaState, watchHub: WatchHub) {
        self.options = options
        self.logger = logger
        self.shared = Mutex(state)
        self.watchHub = watchHub
    }

    /// Recovers the tree from `log` (newest snapshot, then the entries after it), proposes a
    /// no-op for this run, and starts the writer thread.
    ///
    /// The replica owns `log` from now on and closes it when it stops; the caller must not
    /// touch it again (if this throws, the caller still owns it). The member is ready
    /// (`status.isReady`) once the no-op is applied. `watchHub` is reset to the recovered
    /// tree (its history starts there) and then fed every applied batch.
    /// - Throws: `ReplicaError` with code `.storage` when the log cannot be read, an entry
    ///   or the snapshot cannot be decoded, or the recovered tree disagrees with the log.
    public static func start(
        log: some ReplicaLog,
        options: ReplicaOptions = .init(),
        logger: Logger = Logger(label: "paddock.replica"),
        watchHub: WatchHub = WatchHub()
    ) throws(ReplicaError) -> SingleNodeReplica {
        let recovery = try ReplicaRecovery.recover(from: log, treeLimits: options.treeLimits)
        let startIndex = recovery.lastIndex.next
        var state = ReplicaState(
            nextIndex: startIndex,
            lastTimeMs: recovery.lastTimeMs,
            committedIndex: recovery.lastIndex,
            appliedIndex: recovery.lastIndex,
            readyIndex: startIndex,
            tree: recovery.tree
        )
        state.sessions.adoptRecovered(recovery.tree.sessions, nowMs: ReplicaClock.monotonicMs())
        state.counters.lastSnapshotIndex = recovery.snapshotIndex
        let noop = Entry(zxid: .zero, timeMs: ReplicaClock.wallMs(), idempotencyKey: nil, command: .noop)
        _ = state.enqueue(noop, bytes: [], reply: nil)
        logger.info(
            "recovered",
            metadata: [
                "snapshotIndex": "\(recovery.snapshotIndex)", "lastIndex": "\(recovery.lastIndex)",
                "replayed": "\(recovery.replayedCount)", "sessions": "\(recovery.tree.sessionCount)",
            ]
        )
        watchHub.reset(tree: recovery.tree)
        let replica = SingleNodeReplica(options: options, logger: logger, state: state, watchHub: watchHub)
        let writer = ReplicaWriter(
            replica: replica,
            log: log,
            tree: recovery.tree,
            appliedIndex: recovery.lastIndex,
            snapshotIndex: recovery.snapshotIndex
        )
        writer.startThread()
        return replica
    }

    /// Opens (or creates) the store in `directory` and starts a replica on it; see
    /// `start(log:options:logger:watchHub:)`.
    ///
    /// - Throws: `ReplicaError` with code `.storage` when the store cannot be opened (not a
    ///   database, truncated, garbled, wrong schema) or recovered; the message names the
    ///   problem and the file. Nothing is repaired.
    public static func start(
        directory: String,
        options: ReplicaOptions = .init(),
        logger: Logger = Logger(label: "paddock.replica"),
        watchHub: WatchHub = WatchHub()
    ) throws(ReplicaError) -> SingleNodeReplica {
        let store: LogStore
        do {
            store = try LogStore(directory: directory)
        } catch {
            throw ReplicaError(code: .storage, message: "cannot open the data directory \(directory): \(error)")
        }
        do {
            return try start(log: store, options: options, logger: logger, watchHub: watchHub)
        } catch {
            store.close()
            throw error
        }
    }

    // MARK: ReplicaService

    /// See `ReplicaService.propose`. Also throws `tooManySessions` for an `openSession`
    /// past `ReplicaOptions.sessionsMax`, `unavailable` past `pendingProposalsMax` or
    /// `pendingBytesMax`, `proposalTooLarge` past `entryBytesMax`.
    public func propose(_ command: Command, idempotencyKey: String?) async throws(ReplicaError) -> Committed {
        let outcome = await withCheckedContinuation { (reply: CheckedContinuation<Result<Committed, ReplicaError>, Never>) in
            propose(command, idempotencyKey: idempotencyKey) { reply.resume(returning: $0) }
        }
        return try outcome.get()
    }

    /// See `ReplicaService.propose(_:idempotencyKey:completion:)`: `completion` runs on the
    /// writer thread once the entry is durable and applied, or at once when it is refused
    /// or replayed from the idempotency table.
    public func propose(_ command: Command, idempotencyKey: String?, completion: @escaping ProposalCompletion) {
        let proposed = Entry(zxid: .zero, timeMs: ReplicaClock.wallMs(), idempotencyKey: idempotencyKey, command: command)
        let bytes = proposed.encoded()
        guard bytes.count <= options.entryBytesMax else {
            completion(.failure(ReplicaError(
                code: .proposalTooLarge,
                message: "the entry is \(bytes.count) bytes; at most \(options.entryBytesMax) are accepted"
            )))
            return
        }
        let (immediate, wake) = shared.withLock { state in
            admit(proposed, bytes: bytes, reply: completion, state: &state)
        }
        if wake { writerWake.signal() }
        if let immediate { completion(immediate) }
    }

    /// See `ReplicaService.read`.
    ///
    /// Linearizable reads on one node: the read index is the commit index at arrival, i.e.
    /// the last index whose transaction returned from fsync. Every write acknowledged
    /// before the read arrived is at or below it (a write is answered only after it is
    /// committed and applied), so waiting until `appliedIndex >= readIndex` covers all of
    /// them; entries still in the transaction being written are not acknowledged yet and
    /// may be ordered after the read. With Raft the read index must also be confirmed by a
    /// quorum heartbeat (Raft §6.4); that step is empty here.
    public func read(_ consistency: ReadConsistency) async throws(ReplicaError) -> TreeView {
        if let view = try readNow(consistency) { return view }
        let outcome = await withCheckedContinuation { (reply: CheckedContinuation<Result<TreeView, ReplicaError>, Never>) in
            let immediate: Result<TreeView, ReplicaError>? = shared.withLock { state in
                if let refusal = state.refusal { return .failure(refusal) }
                if state.appliedIndex >= state.committedIndex { return .success(TreeView(tree: state.tree)) }
                state.readWaiters.append(ReadWaiter(readIndex: state.committedIndex, reply: reply))
                return nil
            }
            if let immediate { reply.resume(returning: immediate) }
        }
        return try outcome.get()
    }

    /// See `ReplicaService.readNow`: the published tree when the read needs no wait
    /// (serializable, or everything committed is applied), under the same rule as `read`.
    public func readNow(_ consistency: ReadConsistency) throws(ReplicaError) -> TreeView? {
        let fast: Result<TreeView, ReplicaError>? = shared.withLock { state in
            if let refusal = state.refusal { return .failure(refusal) }
            if consistency == .serializable || state.appliedIndex >= state.committedIndex {
                return .success(TreeView(tree: state.tree))
            }
            return nil
        }
        return try fast?.get()
    }

    /// See `ReplicaService.keepAlive`: a full TTL from now, never logged.
    public func keepAlive(_ session: SessionID) async throws(ReplicaError) -> Int64 {
        let outcome: Result<Int64, ReplicaError> = shared.withLock { state in
            if let refusal = state.refusal { return .failure(refusal) }
            guard let remainingMs = state.sessions.keepAlive(session, nowMs: ReplicaClock.monotonicMs()) else {
                return .failure(ReplicaError(code: .sessionExpired, message: "session \(session) is unknown or expired"))
            }
            return .success(remainingMs)
        }
        return try outcome.get()
    }

    /// Opens a session with a random id from `SystemRandomNumberGenerator`.
    ///
    /// - Throws: `tooManySessions` past `ReplicaOptions.sessionsMax`; otherwise as `propose`.
    public func openSession(ttlMs: Int64) async throws(ReplicaError) -> Committed {
        var generator = SystemRandomNumberGenerator()
        var id = SessionID(rawValue: generator.next(upperBound: UInt64.max - 1) + 1)
        // A collision among 64-bit ids is all but impossible; a few redraws end it.
        for _ in 0..<4 where shared.withLock({ $0.sessions.contains(id) }) {
            id = SessionID(rawValue: generator.next(upperBound: UInt64.max - 1) + 1)
        }
        return try await propose(.openSession(id: id, ttlMs: ttlMs), idempotencyKey: nil)
    }

    /// See `ReplicaService.status`. Ready once this run's no-op is applied and until
    /// shutdown; healthy until storage fails.
    public var status: ReplicaStatus {
        shared.withLock { state in
            var healthy = true
            if case .failed = state.phase { healthy = false }
            return ReplicaStatus(
                appliedZxid: Zxid(rawValue: state.appliedIndex.rawValue),
                isReady: state.phase == .serving && state.appliedIndex >= state.readyIndex,
                isHealthy: healthy
            )
        }
    }

    // MARK: Beyond the service

    /// Counters of applied entries, transactions and snapshots (tests, metrics).
    public var counters: ReplicaCounters {
        shared.withLock { $0.counters }
    }

    /// Stops taking proposals, writes and answers everything already queued, lets an
    /// in-flight snapshot finish, closes the log, and returns when all of that is done.
    ///
    /// Calling it again, or after a storage failure, just waits for the writer to end.
    public func shutdown() async {
        await shared.stopWorker { writerWake.signal() }
    }

    // MARK: Admission

    /// Decides under the lock whether `proposed` is answered now or queued.
    ///
    /// Returns the immediate answer (a refusal or an idempotent replay), and whether the
    /// writer must be woken.
    private func admit(
        _ proposed: Entry,
        bytes: [UInt8],
        reply: @escaping ProposalCompletion,
        state: inout ReplicaState
    ) -> (Result<Committed, ReplicaError>?, Bool) {
        if let refusal = state.refusal { return (.failure(refusal), false) }
        // A key already applied answers from the table without a new entry. A key still in
        // the queue is caught at apply, which returns the first result too.
        if let key = proposed.idempotencyKey, let prior = state.tree.idempotentResult(forKey: key) {
            return (.success(Committed(zxid: prior.zxid, result: prior.result)), false)
        }
        guard state.queue.count + state.inFlightCount < options.pendingProposalsMax,
            state.pendingBytes + bytes.count <= options.pendingBytesMax
        else {
            return (
                .failure(ReplicaError(
                    code: .unavailable,
                    message: "too many proposals are pending (at most \(options.pendingProposalsMax), "
                        + "\(options.pendingBytesMax) bytes); retry shortly",
                    retryAfterSeconds: 1
                )),
                false
            )
        }
        let nowMs = ReplicaClock.monotonicMs()
        switch proposed.command {
        case .openSession(let id, let ttlMs):
            guard state.sessions.count < options.sessionsMax else {
                return (
                    .failure(ReplicaError(
                        code: .tooManySessions,
                        message: "\(options.sessionsMax) sessions are already open",
                        retryAfterSeconds: 1
                    )),
                    false
                )
            }
            // An id already known is left to the tree, which answers BadArguments.
            _ = state.sessions.beginOpen(id, ttlMs: ttlMs, nowMs: nowMs)
        case .closeSession(let id):
            state.sessions.beginEnd(id)
        default:
            for id in proposed.command.sessionsUsed {
                _ = state.sessions.keepAlive(id, nowMs: nowMs)
            }
        }
        let wake = state.enqueue(proposed, bytes: bytes, reply: reply)
        return (nil, wake)
    }
}

extension Command {
    /// The sessions a write carries (ephemeral creates), which count as a keepalive.
    var sessionsUsed: [SessionID] {
        switch self {
        case .create(let op):
            return op.session.map { [$0] } ?? []
        case .multi(let ops):
            return ops.compactMap { op in
                if case .create(let create) = op { return create.session }
                return nil
            }
        default:
            return []
        }
    }
}
