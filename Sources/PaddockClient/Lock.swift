import PaddockAPI
import ZNodeTree

/// A lock served by Paddock (`/v1/locks/{name}`), taken by a `Session`.
///
/// One holder at a time, granted in arrival order; each grant carries a `FencingToken`
/// that only grows. The holder keeps the lock while its session lives: when the session
/// ends (closed or expired) the server gives the lock to the next waiter, so work done
/// under the lock must carry the token to whatever it writes.
///
/// A session has at most one place in a lock's queue: two `Lock` values of one name and
/// one session share it (the second acquire answers the first one's grant). Use one
/// session per concurrent holder.
public struct Lock: Sendable {
    /// The longest one acquire request waits on the server, in ms. Acquires that may wait
    /// longer poll again (keeping their place); the server's own limit is 5 minutes by
    /// default.
    public static let waitChunkMsMax: Int64 = 10_000

    /// The lock's name: 1 to 64 of `A-Z a-z 0-9 . _ -`.
    public let name: String
    /// The session that takes it.
    public let session: Session

    /// The lock `name`, to be taken by `session`.
    ///
    /// Names are checked by the server (`.badRequest` from the first call).
    public init(_ name: String, session: Session) {
        self.name = name
        self.session = session
    }

    private var client: Client { session.client }

    /// Takes the lock, waiting at most `timeoutMs`; nil when it is still held by another
    /// by then (this session then leaves the queue).
    ///
    /// - Throws: `PaddockError` (`.sessionExpired` when the session ended, `.badRequest`
    ///   for a bad name, `.cancelled`, `.unreachable`, ...).
    public func tryLock(timeoutMs: Int64 = 0) async throws(PaddockError) -> LockGrant? {
        precondition(timeoutMs >= 0, "tryLock(timeoutMs: \(timeoutMs)) needs a timeout of 0 or more")
        return try await waitForGrant(timeoutMs: timeoutMs)
    }

    /// Takes the lock, waiting for it as long as it takes (or at most `timeoutMs`).
    ///
    /// When the wait fails (cancelled, timed out, session gone) this session leaves the
    /// queue, so it never holds the lock unknowingly.
    /// - Throws: `PaddockError` `.timeout` when `timeoutMs` passed first, `.cancelled`, and
    ///   the errors of `tryLock`.
    public func acquire(timeoutMs: Int64? = nil) async throws(PaddockError) -> LockGrant {
        if let timeoutMs { precondition(timeoutMs >= 0, "acquire(timeoutMs: \(timeoutMs)) needs 0 or more") }
        guard let grant = try await waitForGrant(timeoutMs: timeoutMs) else {
            throw PaddockError(.timeout, "the lock \(name) was held by another for \(timeoutMs ?? 0) ms")
        }
        return grant
    }

    /// Gives the lock up (or leaves its queue).
    ///
    /// - Throws: `PaddockError` (`.noNode` when it was no longer held: the session ended or
    ///   someone released the key).
    public func release(_ grant: LockGrant) async throws(PaddockError) {
        try await leave(key: grant.key)
    }

    /// Takes the lock, runs `body` with the grant's token, and releases the lock when
    /// `body` returns or throws, and when the task is cancelled (then `body` is cancelled
    /// too and the release is still sent).
    ///
    /// - Parameters:
    ///   - timeoutMs: the most to wait for the lock (default: no limit).
    ///   - body: the work to do under the lock; give its writes the token.
    /// - Throws: `PaddockError` from taking the lock (`.timeout`, `.cancelled`,
    ///   `.sessionExpired`, ...), or what `body` throws. A failed release is not thrown:
    ///   the lock then goes when the session does.
    public func withLock<Value>(
        timeoutMs: Int64? = nil, isolation: isolated (any Actor)? = #isolation,
        _ body: (FencingToken) async throws -> Value
    ) async throws -> Value {
        let grant = try await acquire(timeoutMs: timeoutMs)
        let value: Value
        do {
            value = try await body(grant.token)
        } catch {
            await leaveAside(key: grant.key)
            throw error
        }
        await leaveAside(key: grant.key)
        return value
    }

    /// Who holds the lock and who waits.
    ///
    /// - Throws: `PaddockError` (`.badRequest` for a bad name, `.unreachable`, ...).
    public func status() async throws(PaddockError) -> LockStatus {
        try await client.lockStatus(name)
    }

    // MARK: Parts

    /// Polls the queue in chunks of at most `waitChunkMsMax` until the head or `timeoutMs`.
    private func waitForGrant(timeoutMs: Int64?) async throws(PaddockError) -> LockGrant? {
        let clock = ContinuousClock()
        let deadline = timeoutMs.map { clock.now.advanced(by: .milliseconds($0)) }
        let encodedName = try Client.recipeName(name)
        let target = "/v1/locks/\(encodedName)"
        var key: String?
        // Bounded by the deadline, or by the session: each pass waits on the server, and an
        // ended session answers SessionExpired.
        while true {
            let remainingMs = deadline.map { max(0, Transport.milliseconds($0 - clock.now)) } ?? Self.waitChunkMsMax
            let standing: StandingBody
            do throws(PaddockError) {
                standing = try await client.joinQueue(
                    target, session: session.id, waitMs: min(remainingMs, Self.waitChunkMsMax), value: nil)
            } catch {
                // An ended session has left every queue already.
                if error.code != .sessionExpired { await leaveAside(key: key) }
                throw error
            }
            key = standing.key
            if standing.isHead {
                guard let token = standing.token else {
                    throw PaddockError(.invalidResponse, "the grant of lock \(name) has no token")
                }
                return LockGrant(
                    name: standing.name, key: standing.key, path: standing.path, session: session.id,
                    token: FencingToken(rawValue: token), zxid: standing.zxid ?? .zero)
            }
            if let deadline, clock.now >= deadline {
                await leaveAside(key: key)
                return nil
            }
            if Task.isCancelled {
                await leaveAside(key: key)
                throw PaddockError(.cancelled, "the wait for lock \(name) was cancelled")
            }
        }
    }

    private func leave(key: String) async throws(PaddockError) {
        let name = try Client.recipeName(name)
        let target = "/v1/locks/\(name)/\(PathEncoding.encode(key))"
        _ = try await client.transport.perform(Call(.DELETE, target, isWrite: true))
    }

    /// Leaves the queue from a task of its own, so that a cancelled caller still sends it;
    /// when the key is not known (the join's answer was lost) it is asked for first. A
    /// failure is left to the session's end.
    private func leaveAside(key: String?) async {
        let lock = self
        await Task {
            var known = key
            if known == nil, let name = try? Client.recipeName(lock.name) {
                let standing = try? await lock.client.joinQueue(
                    "/v1/locks/\(name)", session: lock.session.id, waitMs: 0, value: nil)
                known = standing?.key
            }
            if let known { try? await lock.leave(key: known) }
        }.value
    }
}

extension Client {
    /// `GET /v1/locks/{name}`: the holder and the queue.
    ///
    /// - Throws: `PaddockError` (`.badRequest` for a bad name, `.unreachable`, ...).
    public func lockStatus(_ name: String) async throws(PaddockError) -> LockStatus {
        let encoded = try Self.recipeName(name)
        let answer = try await transport.perform(Call(.GET, "/v1/locks/\(encoded)", isWrite: false))
        let body = try Self.decode(LockStatusBody.self, answer)
        return LockStatus(
            name: body.name, holder: body.holder?.contender, queue: body.queue.map(\.contender),
            zxid: try Self.requireZxid(answer))
    }

    /// Joins a lock's or an election's queue at `target` (once per session) and waits at
    /// most `waitMs` on the server for the head.
    func joinQueue(_ target: String, session: SessionID, waitMs: Int64, value: String?)
        async throws(PaddockError) -> StandingBody
    {
        let request = QueueJoinRequest(session: WireSessionID(session), wait: "\(waitMs)ms", value: value)
        var call = Call(.POST, target, body: try Self.json(request), isWrite: true)
        call.isLong = waitMs > 0
        // The server may hold the answer for `waitMs`; the attempt may take that and more.
        let callTimeoutMs = waitMs + configuration.callTimeoutMs
        let answer = try await transport.perform(call, callTimeoutMs: callTimeoutMs)
        var body = try Self.decode(StandingBody.self, answer)
        body.zxid = try Self.requireZxid(answer)
        return body
    }

    /// `name` checked to be one URL path segment.
    ///
    /// - Throws: `PaddockError` `.badRequest` for an empty name or one with `/`.
    static func recipeName(_ name: String) throws(PaddockError) -> String {
        guard !name.isEmpty, !name.contains("/") else {
            throw PaddockError(.badRequest, "\(name) is not a lock or election name (1 to 64 of A-Z a-z 0-9 . _ -)")
        }
        return PathEncoding.encode(name)
    }
}
