import PaddockServer
import Synchronization
import ZNodeTree

/// An in-memory member for HTTP tests: applies each command to a `ZNodeTree` at once,
/// with a settable clock and an optional operating error to throw instead.
final class FakeReplica: ReplicaService {
    private struct State {
        var tree = ZNodeTree()
        var timeMs: Int64 = 1_700_000_000_000
        var failure: ReplicaError?
        var proposals = 0
        var ready = true
    }

    private let state = Mutex(State())

    init(defersReads: Bool = false) {
        self.defersReads = defersReads
    }

    func propose(_ command: Command, idempotencyKey: String?) async throws(ReplicaError) -> Committed {
        let outcome: Result<Committed, ReplicaError> = state.withLock { state in
            if let failure = state.failure { return .failure(failure) }
            state.proposals += 1
            let zxid = Zxid(state.tree.lastApplied.rawValue + 1)
            if let key = idempotencyKey, let first = state.tree.idempotentResult(forKey: key) {
                let entry = Entry(zxid: zxid, timeMs: state.timeMs, idempotencyKey: key, command: command)
                _ = state.tree.apply(entry)
                return .success(Committed(zxid: first.zxid, result: first.result))
            }
            let entry = Entry(zxid: zxid, timeMs: state.timeMs, idempotencyKey: idempotencyKey, command: command)
            return .success(Committed(zxid: zxid, result: state.tree.apply(entry).result))
        }
        return try outcome.get()
    }

    /// When true, `readNow` answers nil, so reads take the waiting path.
    let defersReads: Bool

    func readNow(_ consistency: ReadConsistency) throws(ReplicaError) -> TreeView? {
        if defersReads { return nil }
        let outcome: Result<TreeView, ReplicaError> = state.withLock { state in
            if let failure = state.failure { return .failure(failure) }
            return .success(TreeView(tree: state.tree))
        }
        return try outcome.get()
    }

    func read(_ consistency: ReadConsistency) async throws(ReplicaError) -> TreeView {
        let outcome: Result<TreeView, ReplicaError> = state.withLock { state in
            if let failure = state.failure { return .failure(failure) }
            return .success(TreeView(tree: state.tree))
        }
        return try outcome.get()
    }

    func keepAlive(_ session: SessionID) async throws(ReplicaError) -> Int64 {
        let outcome: Result<Int64, ReplicaError> = state.withLock { state in
            if let failure = state.failure { return .failure(failure) }
            guard let info = state.tree.session(session) else {
                return .failure(ReplicaError(code: .sessionExpired, message: "session \(session) is unknown"))
            }
            return .success(info.ttlMs)
        }
        return try outcome.get()
    }

    var status: ReplicaStatus {
        state.withLock { ReplicaStatus(appliedZxid: $0.tree.lastApplied, isReady: $0.ready, isHealthy: $0.failure?.code != .storage) }
    }

    /// The tree as of now.
    var tree: ZNodeTree { state.withLock { $0.tree } }

    /// How many commands were proposed (refused requests must not add any).
    var proposalCount: Int { state.withLock { $0.proposals } }

    /// Makes every call throw `failure` (nil: serve again).
    func fail(with failure: ReplicaError?) { state.withLock { $0.failure = failure } }

    /// Sets readiness.
    func setReady(_ ready: Bool) { state.withLock { $0.ready = ready } }
}
