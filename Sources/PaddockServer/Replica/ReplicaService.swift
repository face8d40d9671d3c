import ZNodeTree

/// What the HTTP layer needs from a member: the one write path and consistent reads.
///
/// Every change to the tree goes through `propose`, which appends the command to the
/// durable log, applies it and answers; with one member that is what Raft does too, so a
/// replicated implementation replaces the log step without changing this protocol.
/// Implementations are shared by every connection, hence `Sendable`.
public protocol ReplicaService: Sendable {
    /// The one write path: appends `command` to the durable log, applies it, answers.
    ///
    /// Time (`Entry.timeMs`) and zxid are assigned here. `idempotencyKey` makes retries
    /// safe: a key already applied returns the first result. Domain failures (NoNode,
    /// BadVersion...) come back as `.failed` inside `Committed.result`, never thrown.
    /// - Throws: `ReplicaError` when the member cannot take the write (unavailable,
    ///   shutting down, storage failed, too many sessions, proposal too large). A thrown
    ///   error after the command was queued means its outcome is unknown only for
    ///   `.storage` (it was not acknowledged and will not be on restart unless it was
    ///   durably written); every other code means nothing was logged.
    func propose(_ command: Command, idempotencyKey: String?) async throws(ReplicaError) -> Committed

    /// `propose` for callers that wait without a task of their own: `completion` gets the
    /// outcome, exactly once, on the caller's thread (an immediate answer) or on one of
    /// the member's threads (so it must be quick and must not block).
    ///
    /// Why: the HTTP write path races the outcome against its wait limit; with a callback
    /// it needs no extra task per write. The default runs `propose` in a new task.
    func propose(_ command: Command, idempotencyKey: String?, completion: @escaping ProposalCompletion)

    /// A view of the tree.
    ///
    /// `linearizable` waits until everything committed before the call is applied
    /// (ReadIndex on one node = the commit index at call time); `serializable` answers
    /// from what is applied now.
    /// - Throws: `ReplicaError` when the member is not serving (storage failed, shut down).
    func read(_ consistency: ReadConsistency) async throws(ReplicaError) -> TreeView

    /// A view of the tree when one can be given without waiting, else nil.
    ///
    /// Why: most reads find every committed write already applied; answering them on the
    /// caller's thread spares a task and a suspension per request. The view obeys the
    /// same rule as `read`: a `linearizable` view reflects every write committed before
    /// the call. nil means "call `read`", never "no data".
    /// - Throws: `ReplicaError` when the member is not serving (storage failed, shut down).
    func readNow(_ consistency: ReadConsistency) throws(ReplicaError) -> TreeView?

    /// Extends a session's deadline (not logged); returns the remaining ms.
    ///
    /// - Throws: `ReplicaError.Code.sessionExpired` for an unknown session or one whose
    ///   expiry is already proposed; other codes when the member is not serving.
    func keepAlive(_ session: SessionID) async throws(ReplicaError) -> Int64

    /// Opens a session with a server-chosen random id and the given time-to-live.
    ///
    /// The default implementation proposes `.openSession` with an id drawn from
    /// `SystemRandomNumberGenerator`; members override it to enforce their session limit.
    /// - Throws: `ReplicaError` (`tooManySessions` past the limit, or as `propose`).
    func openSession(ttlMs: Int64) async throws(ReplicaError) -> Committed

    /// Liveness/readiness and numbers for /healthz, /readyz and responses' Paddock-Zxid.
    var status: ReplicaStatus { get }
}

/// Receives a proposal's outcome; see `ReplicaService.propose(_:idempotencyKey:completion:)`.
public typealias ProposalCompletion = @Sendable (Result<Committed, ReplicaError>) -> Void

extension ReplicaService {
    /// Runs the async `propose` in a new task and hands its outcome to `completion`.
    public func propose(_ command: Command, idempotencyKey: String?, completion: @escaping ProposalCompletion) {
        Task {
            do throws(ReplicaError) {
                completion(.success(try await propose(command, idempotencyKey: idempotencyKey)))
            } catch {
                completion(.failure(error))
            }
        }
    }

    /// Never answers at once: every read goes through `read`.
    public func readNow(_ consistency: ReadConsistency) throws(ReplicaError) -> TreeView? {
        nil
    }

    /// Proposes `.openSession` with a random id; see the requirement's documentation.
    public func openSession(ttlMs: Int64) async throws(ReplicaError) -> Committed {
        var generator = SystemRandomNumberGenerator()
        let id = SessionID(rawValue: generator.next(upperBound: UInt64.max - 1) + 1)
        return try await propose(.openSession(id: id, ttlMs: ttlMs), idempotencyKey: nil)
    }
}

/// The answer to a proposal: the zxid of the entry that carried it and its result.
///
/// For a retried idempotent write, `zxid` is the one of the entry that first applied it.
public struct Committed: Sendable {
    /// The log index (zxid) of the entry whose result this is.
    public var zxid: Zxid
    /// What applying the command did; `.failed` for domain failures.
    public var result: ApplyResult

    /// A committed answer from its parts.
    public init(zxid: Zxid, result: ApplyResult) {
        self.zxid = zxid
        self.result = result
    }
}

/// A consistent view of the tree at one applied index.
///
/// Invariant: `zxid == tree.lastApplied`. Copying the tree is O(1) (copy-on-write), so
/// holding a view never blocks writers.
public struct TreeView: Sendable {
    /// The tree as of `zxid`.
    public var tree: ZNodeTree
    /// The applied index the view reflects, reported as `Paddock-Zxid`.
    public var zxid: Zxid

    /// A view of `tree` at its own `lastApplied`.
    public init(tree: ZNodeTree) {
        self.tree = tree
        self.zxid = tree.lastApplied
    }
}

/// How fresh a read must be.
public enum ReadConsistency: Sendable {
    /// Reflects every write committed before the read arrived (the default).
    case linearizable
    /// Whatever this member has applied now; may lag behind other members.
    case serializable
}

/// Liveness, readiness and the applied index of a member.
public struct ReplicaStatus: Sendable, Equatable {
    /// The last index applied to the tree.
    public var appliedZxid: Zxid
    /// True once recovery finished and while the member takes requests (`/readyz`).
    public var isReady: Bool
    /// False once storage failed: the member no longer serves (`/healthz`).
    public var isHealthy: Bool

    /// A status from its parts.
    public init(appliedZxid: Zxid, isReady: Bool, isHealthy: Bool) {
        self.appliedZxid = appliedZxid
        self.isReady = isReady
        self.isHealthy = isHealthy
    }
}

/// An operating error of a member: the request was not served (mapped by HTTP to 503,
/// 410, 413...). Domain failures are never thrown; they are results.
public struct ReplicaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of operating error this is; stable, mapped to HTTP statuses.
    public enum Code: String, Sendable, Equatable {
        /// Overloaded (pending proposals past the limit) or not ready: retry later (503).
        case unavailable
        /// The session is unknown, expired or expiring (410/404 `SessionExpired`).
        case sessionExpired
        /// Opening one more session would pass `Limits.sessionsMax` (503).
        case tooManySessions
        /// Storage failed; the member stopped serving and must be restarted (503).
        case storage
        /// The member is stopping and takes no new requests (503).
        case shuttingDown
        /// The encoded entry is larger than the log accepts (413).
        case proposalTooLarge
    }

    /// What kind of error this is.
    public var code: Code
    /// A human sentence saying what happened.
    public var message: String
    /// A hint for `Retry-After`, in seconds, when retrying makes sense.
    public var retryAfterSeconds: Int?

    /// An error from its parts.
    public init(code: Code, message: String, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
