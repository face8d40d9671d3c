import Dispatch
import Foundation
import Logging
import PaddockStorage
import RaftCore
import Synchronization
import ZNodeTree

/// A Raft-replicated Paddock member: any member answers any request.
///
/// One driver thread (`ClusterDriver`) owns the `RaftNode`, the SQLite log and the working
/// tree; callers hand it inputs through a locked inbox and wait for a callback. Each turn
/// of the driver takes everything queued (group commit: all proposals of a turn share one
/// log transaction), steps Raft, persists the `Ready` (hard state and entries in one
/// transaction, fsync) before sending what depends on it, applies committed entries,
/// answers waiters and publishes the tree for readers.
///
/// - Writes on a follower are forwarded to the leader over the peer link and its answer is
///   relayed. Without a leader they wait up to `requestWaitMs`, then `unavailable`.
/// - Linearizable reads go through ReadIndex; all reads of one turn share one round.
///   Serializable reads answer from the published tree at once.
/// - Sessions: the leader decides expiry. Keepalives are acknowledged once a checkpoint
///   entry carrying them commits, so a new leader knows each session's last keepalive
///   (see docs/cluster.md for the bound).
public final class ClusterReplica: ReplicaService, ClusterControl, WatchHubProviding {
    /// The member's watch hub, fed after every applied batch in zxid order.
    public let watchHub: WatchHub
    let options: ClusterOptions
    let logger: Logger
    let shared: Mutex<ClusterShared>
    let wake = DispatchSemaphore(value: 0)
    private let link: any PeerNetwork

    private init(options: ClusterOptions, logger: Logger, link: any PeerNetwork, shared: ClusterShared, watchHub: WatchHub) {
        self.watchHub = watchHub
        self.options = options
        self.logger = logger
        self.link = link
        self.shared = Mutex(shared)
    }

    /// Opens (or creates) the store in `directory`, recovers, and starts the driver thread.
    ///
    /// - Throws: `ReplicaError` `.storage` when the store cannot be opened or recovered.
    public static func start(
        directory: String, options: ClusterOptions, link: any PeerNetwork,
        logger: Logger = Logger(label: "paddock.cluster"), watchHub: WatchHub = WatchHub()
    ) throws(ReplicaError) -> ClusterReplica {
        let store: LogStore
        do {
            store = try LogStore(directory: directory)
        } catch {
            throw ReplicaError(code: .storage, message: "cannot open the data directory \(directory): \(error)")
        }
        do {
            return try start(log: store, options: options, link: link, logger: logger, watchHub: watchHub)
        } catch {
            store.close()
            throw error
        }
    }

    /// Starts a member on `log`, which it owns from now on.
    ///
    /// - Throws: `ReplicaError` `.storage` when the log cannot be recovered.
    public static func start(
        log: some ReplicaLog, options: ClusterOptions, link: any PeerNetwork,
        logger: Logger = Logger(label: "paddock.cluster"), watchHub: WatchHub = WatchHub()
    ) throws(ReplicaError) -> ClusterReplica {
        let recovered = try ClusterDriver.recover(log: log, options: options)
        let shared = ClusterShared(tree: recovered.tree, raftStatus: recovered.node.status)
        watchHub.reset(tree: recovered.tree)
        let replica = ClusterReplica(options: options, logger: logger, link: link, shared: shared, watchHub: watchHub)
        let driver = ClusterDriver(replica: replica, log: log, link: link, recovered: recovered)
        logger.info(
            "recovered",
            metadata: [
                "member": "\(options.selfName)", "snapshotIndex": "\(recovered.snapshotIndex)",
                "lastIndex": "\(recovered.node.lastIndex)", "commit": "\(recovered.node.commitIndex)",
            ])
        driver.startThread()
        return replica
    }

    /// Hands a frame from `peer` to the driver (the transport's delivery callback).
    public func receive(_ frame: PeerFrame, from peer: MemberName) {
        submit(.frame(peer, frame))
    }

    func submit(_ input: ClusterInput) {
        let (accepted, wakeDriver) = shared.withLock { state -> (Bool, Bool) in
            guard state.phase == .serving || (state.phase == .stopping && input.isFrame) else { return (false, false) }
            state.inbox.append(input)
            let wake = state.workerIdle
            state.workerIdle = false
            return (true, wake)
        }
        if wakeDriver { wake.signal() }
        if !accepted { input.refuse(with: refusal) }
    }

    private var refusal: ReplicaError {
        shared.withLock { state in
            if case .failed(let error) = state.phase { return error }
            return ReplicaError(code: .shuttingDown, message: "the member is stopping")
        }
    }

    // MARK: ReplicaService

    /// See `ReplicaService.propose`: on the leader, appended and answered once applied; on
    /// a follower, forwarded to the leader.
    public func propose(_ command: Command, idempotencyKey: String?) async throws(ReplicaError) -> Committed {
        let outcome = await withCheckedContinuation { (reply: CheckedContinuation<Result<Committed, ReplicaError>, Never>) in
            propose(command, idempotencyKey: idempotencyKey) { reply.resume(returning: $0) }
        }
        return try outcome.get()
    }

    /// See `ReplicaService.propose(_:idempotencyKey:completion:)`: `completion` runs on the
    /// driver thread (or at once, for an entry past `entryBytesMax`).
    public func propose(_ command: Command, idempotencyKey: String?, completion: @escaping ProposalCompletion) {
        let entry = Entry(zxid: .zero, timeMs: 0, idempotencyKey: idempotencyKey, command: command)
        let bytes = entry.encoded()
        guard bytes.count <= options.replica.entryBytesMax else {
            completion(.failure(ReplicaError(
                code: .proposalTooLarge,
                message: "the entry is \(bytes.count) bytes; at most \(options.replica.entryBytesMax) are accepted")))
            return
        }
        submit(.propose(entry: entry, deadlineMs: deadline(), reply: completion))
    }

    /// See `ReplicaService.read`.
    public func read(_ consistency: ReadConsistency) async throws(ReplicaError) -> TreeView {
        if consistency == .serializable, let view = try readNow(.serializable) { return view }
        let outcome = await withCheckedContinuation { (reply: CheckedContinuation<Result<TreeView, ReplicaError>, Never>) in
            submit(.read(deadlineMs: deadline(), reply: { reply.resume(returning: $0) }))
        }
        return try outcome.get()
    }

    /// Serializable reads answer at once from the published tree; linearizable ones always
    /// go through a ReadIndex round (nil).
    public func readNow(_ consistency: ReadConsistency) throws(ReplicaError) -> TreeView? {
        guard consistency == .serializable else { return nil }
        let view: Result<TreeView, ReplicaError> = shared.withLock { state in
            if case .failed(let error) = state.phase { return .failure(error) }
            return .success(TreeView(tree: state.tree))
        }
        return try view.get()
    }

    /// See `ReplicaService.keepAlive`: passed to the leader, acknowledged once replicated.
    public func keepAlive(_ session: SessionID) async throws(ReplicaError) -> Int64 {
        let outcome = await withCheckedContinuation { (reply: CheckedContinuation<Result<Int64, ReplicaError>, Never>) in
            submit(.keepAlive(session, deadlineMs: deadline(), reply: { reply.resume(returning: $0) }))
        }
        return try outcome.get()
    }

    /// Ready once a leader is known and everything committed when this member first
    /// learnt of one is applied; healthy until storage fails.
    public var status: ReplicaStatus {
        shared.withLock { state in
            var healthy = true
            if case .failed = state.phase { healthy = false }
            return ReplicaStatus(
                appliedZxid: Zxid(rawValue: state.raftStatus.applied.rawValue),
                isReady: state.phase == .serving && state.isReady,
                isHealthy: healthy)
        }
    }

    // MARK: ClusterControl

    /// See `ClusterControl.clusterStatus`.
    public func clusterStatus() -> ClusterStatus {
        let (raft, directory) = shared.withLock { ($0.raftStatus, $0.directory) }
        let http = link.httpAddresses()
        var names: [NodeID: MemberName] = [:]
        for name in directory.keys { names[name.nodeID] = name }
        var members: [MemberStatus] = []
        for id in raft.membership.members {
            guard let name = names[id] else { continue }
            let role: MemberStatus.Role =
                raft.membership.isLearner(id) ? .learner : (raft.leader == id ? .leader : .follower)
            let progress = raft.progress.first { $0.id == id }
            let match = id == raft.id && raft.role == .leader ? raft.lastIndex : progress?.match
            members.append(MemberStatus(
                name: name, role: role, peerAddress: directory[name] ?? "",
                httpAddress: name == options.selfName ? shared.withLock({ $0.selfHTTPAddress }) : http[name],
                matchIndex: match,
                lagEntries: match.map { raft.lastIndex.rawValue - min(raft.lastIndex.rawValue, $0.rawValue) }))
        }
        members.sort { $0.name < $1.name }
        return ClusterStatus(
            clusterID: options.clusterID, selfName: options.selfName, leader: raft.leader.flatMap { names[$0] },
            term: raft.term, commitIndex: raft.commit, appliedIndex: raft.applied, members: members)
    }

    /// See `ClusterControl.addLearner`.
    public func addLearner(name: MemberName, peerAddress: String) async throws(ClusterError) -> ClusterStatus {
        try await control(.addLearner(name: name, peerAddress: peerAddress))
    }

    /// See `ClusterControl.promote`.
    public func promote(name: MemberName) async throws(ClusterError) -> ClusterStatus {
        try await control(.promote(name))
    }

    /// See `ClusterControl.remove`.
    public func remove(name: MemberName) async throws(ClusterError) -> ClusterStatus {
        try await control(.remove(name))
    }

    /// See `ClusterControl.transferLeadership`.
    public func transferLeadership(to name: MemberName?) async throws(ClusterError) -> ClusterStatus {
        try await control(.transfer(name))
    }

    private func control(_ request: ForwardRequest) async throws(ClusterError) -> ClusterStatus {
        let outcome = await withCheckedContinuation { (reply: CheckedContinuation<Result<Void, ClusterError>, Never>) in
            submit(.control(request, deadlineMs: deadline(), reply: { reply.resume(returning: $0) }))
        }
        try outcome.get()
        return clusterStatus()
    }

    // MARK: Lifecycle

    /// Records the HTTP address this member serves on, reported in `GET /v1/cluster`.
    public func setHTTPAddress(_ address: String) {
        shared.withLock { $0.selfHTTPAddress = address }
    }

    /// Stops: a leader first hands leadership to another voter (waiting at most two
    /// election timeouts), then the driver answers what is queued, closes the log and ends.
    public func shutdown() async {
        if clusterStatus().leader == options.selfName, clusterStatus().members.contains(where: { $0.role == .follower }) {
            _ = try? await transferLeadership(to: nil)
        }
        await shared.stopWorker { wake.signal() }
    }

    private func deadline() -> Int64 {
        ReplicaClock.monotonicMs() + options.requestWaitMs
    }
}

/// What callers and the driver share, under one lock.
struct ClusterShared: Sendable {
    enum Phase: Sendable, Equatable {
        case serving
        case stopping
        case failed(ReplicaError)
    }

    var phase: Phase = .serving
    var inbox: [ClusterInput] = []
    var workerIdle = false
    var workerExited = false
    var stopWaiters: [CheckedContinuation<Void, Never>] = []
    /// The published tree: what serializable reads see.
    var tree: ZNodeTree
    var raftStatus: RaftStatus
    var directory: [MemberName: String] = [:]
    var isReady = false
    var selfHTTPAddress: String?
    /// A snapshot serialized off the driver, waiting to be stored.
    var finishedSnapshot: (envelope: [UInt8], prepared: Result<PreparedSnapshot, StorageError>)?

    init(tree: ZNodeTree, raftStatus: RaftStatus) {
        self.tree = tree
        self.raftStatus = raftStatus
    }
}

extension ClusterShared: WorkerShutdownState {
    mutating func beginStopping() {
        if phase == .serving { phase = .stopping }
    }
}

/// One request to the driver, with the callback that answers it.
enum ClusterInput: Sendable {
    case propose(entry: Entry, deadlineMs: Int64, reply: @Sendable (Result<Committed, ReplicaError>) -> Void)
    case keepAlive(SessionID, deadlineMs: Int64, reply: @Sendable (Result<Int64, ReplicaError>) -> Void)
    case read(deadlineMs: Int64, reply: @Sendable (Result<TreeView, ReplicaError>) -> Void)
    case control(ForwardRequest, deadlineMs: Int64, reply: @Sendable (Result<Void, ClusterError>) -> Void)
    case frame(MemberName, PeerFrame)

    var isFrame: Bool {
        if case .frame = self { return true }
        return false
    }

    var deadlineMs: Int64 {
        switch self {
        case .propose(_, let deadline, _), .keepAlive(_, let deadline, _), .read(let deadline, _),
            .control(_, let deadline, _):
            return deadline
        case .frame:
            return .max
        }
    }

    /// Answers the request with `error` (frames are dropped).
    func refuse(with error: ReplicaError) {
        switch self {
        case .propose(_, _, let reply): reply(.failure(error))
        case .keepAlive(_, _, let reply): reply(.failure(error))
        case .read(_, let reply): reply(.failure(error))
        case .control(_, _, let reply): reply(.failure(ClusterError(code: .unavailable, message: error.message)))
        case .frame: break
        }
    }
}
