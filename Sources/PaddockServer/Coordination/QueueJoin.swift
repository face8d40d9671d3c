import PaddockAPI
import ZNodeTree

/// A request that ends with a ready answer instead of a result: a problem, mostly.
struct QueueFailure: Error, Sendable {
    /// What to answer.
    var response: APIResponse
}

/// Joining a queue: finds the session's contender, or creates it.
///
/// A session has at most one contender per queue: a join that finds one (a retry after a
/// lost answer, or a poll after `wait` ran out) reuses it, so a client never queues
/// twice. Joins of one (queue, session) pair on one member run one after the other
/// (`JoinTurns`), so two concurrent retries cannot both create.
enum QueueJoin {
    /// How many times a join retries when the queue's container is removed or made by
    /// someone else between its read and its write (each retry reads again).
    static let attemptsMax = 8

    /// The session's contender in `queue`, created with `data` when it has none.
    ///
    /// - Throws: `QueueFailure` with 410 `SessionExpired` for an unknown or ended session
    ///   (nothing is created), or the replica's operating error.
    static func join(
        _ queue: RecipeQueue, session: SessionID, data: [UInt8], context: APIContext
    ) async throws(QueueFailure) -> QueueEntry {
        let turnKey = queue.directory.string + "#" + session.description
        let outcome = await JoinTurns.shared.run(turnKey) { () async -> Result<QueueEntry, QueueFailure> in
            do throws(QueueFailure) {
                return .success(try await joinOnce(queue, session: session, data: data, context: context))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    private static func joinOnce(
        _ queue: RecipeQueue, session: SessionID, data: [UInt8], context: APIContext
    ) async throws(QueueFailure) -> QueueEntry {
        let contender = CreateOp(path: queue.contenderPrefix, data: data, kind: .ephemeralSequential, session: session)
        for _ in 0..<attemptsMax {
            let view = try await QueueRead.view(context)
            guard view.tree.session(session) != nil else {
                throw QueueFailure(response: .problem(
                    .sessionExpired, "session \(session) is unknown, closed or expired; open one with POST /v1/sessions",
                    zxid: view.zxid))
            }
            if let own = queue.entries(in: view.tree).first(where: { $0.session == session }) {
                return own
            }
            let command: Command
            if view.tree.stat(at: queue.directory) != nil {
                command = .create(contender)
            } else {
                // The queue's directory is a container (removed with its last contender);
                // its parents are plain persistent nodes made once.
                let directory = CreateOp(path: queue.directory, kind: .container, createParents: true)
                command = .multi([.create(directory), .create(contender)])
            }
            let replica = context.replica
            let committed: Committed
            switch await Proposals.within(context.limits.proposalWaitMs, { () async throws(ReplicaError) in
                try await replica.propose(command, idempotencyKey: nil)
            }) {
            case .success(let value): committed = value
            case .failure(let error): throw QueueFailure(response: .problem(error))
            }
            switch committed.result {
            case .created(let path, let stat):
                return QueueEntry(key: path.name, path: path, stat: stat, data: data)
            case .multi(let results):
                guard results.count == 2, case .created(let path, let stat) = results[1] else {
                    throw QueueFailure(response: .problem(
                        .internal, "joining \(queue.directory) answered \(committed.result)", zxid: committed.zxid))
                }
                return QueueEntry(key: path.name, path: path, stat: stat, data: data)
            case .failed(let error) where error.code == .noNode || error.code == .nodeExists:
                continue  // The container went or came in between: read again.
            case .failed(let error):
                throw QueueFailure(response: .problem(error, zxid: committed.zxid))
            default:
                throw QueueFailure(response: .problem(
                    .internal, "joining \(queue.directory) answered \(committed.result)", zxid: committed.zxid))
            }
        }
        throw QueueFailure(response: .problem(ReplicaError(
            code: .unavailable,
            message: "the \(queue.kind.noun) \(queue.name) was made and removed \(attemptsMax) times while joining; retry",
            retryAfterSeconds: 1)))
    }
}

/// Reads for the recipes: linearizable, answered at once when nothing is pending.
enum QueueRead {
    /// A linearizable view of the tree.
    ///
    /// - Throws: `QueueFailure` with the replica's operating error.
    static func view(_ context: APIContext) async throws(QueueFailure) -> TreeView {
        do {
            if let view = try context.replica.readNow(.linearizable) { return view }
            return try await context.replica.read(.linearizable)
        } catch {
            throw QueueFailure(response: .problem(error))
        }
    }
}

/// Runs tasks that share a key one after the other, on this member.
///
/// Why: a join reads, then creates; two joins of one session to one queue running at once
/// would both find nothing and both create.
actor JoinTurns {
    /// The member-wide instance.
    static let shared = JoinTurns()

    private var tails: [String: (id: UInt64, done: Task<Void, Never>)] = [:]
    private var nextID: UInt64 = 0

    /// Runs `body` after every earlier `run` with the same key has finished.
    func run<Value: Sendable>(_ key: String, _ body: @escaping @Sendable () async -> Value) async -> Value {
        let previous = tails[key]?.done
        nextID += 1
        let id = nextID
        let work = Task<Value, Never> {
            await previous?.value
            return await body()
        }
        tails[key] = (id, Task { _ = await work.value })
        let value = await work.value
        if tails[key]?.id == id { tails[key] = nil }
        return value
    }
}
