import NIOCore
import Synchronization
import ZNodeTree

/// How a `Session` stands, as far as this client can tell.
public enum SessionState: String, Sendable, Equatable {
    /// The last keepalive was answered: the session is alive.
    case connected
    /// Keepalives are failing, but less than the TTL has passed since the last one that
    /// was answered: the session may still be alive. Ephemerals may still exist.
    case suspended
    /// The server said the session is gone, or the TTL passed without an answered
    /// keepalive: its ephemerals are (or are about to be) deleted. Final.
    case expired
    /// `close()` ended it. Final.
    case closed

    /// Whether no other state can follow.
    public var isFinal: Bool { self == .expired || self == .closed }
}

/// A server session that keeps itself alive in the background.
///
/// `open` opens it and starts sending a keepalive every TTL/3, from a task that runs on an
/// event loop of the HTTP client rather than on Swift's cooperative pool, so a busy
/// application does not delay its keepalives. A keepalive that fails is
/// retried until it is answered (`connected`) or the TTL has passed since the last
/// answered one; meanwhile the state is `suspended`. The TTL is counted from when the last
/// answered keepalive was *sent*, so this client calls a session `expired` no later than
/// the server does. Watch `states()`; `close()` it when done (the keepalives hold a
/// reference to it until it is closed or expired).
public final class Session: Sendable {
    /// The session id, for ephemeral nodes (`Client.create(session:)`).
    public let id: SessionID
    /// The TTL the server granted, in ms.
    public let ttlMs: Int64
    /// The zxid of the entry that opened it.
    public let openedZxid: Zxid
    let client: Client
    private let shared: Mutex<Shared>

    private struct Shared {
        var state: SessionState = .connected
        var subscribers: [Int: AsyncStream<SessionState>.Continuation] = [:]
        var nextSubscriber = 0
        var keepAlive: Task<Void, Never>?
        var isClosing = false
        var lastFailure: PaddockError?
    }

    private init(grant: SessionGrant, client: Client) {
        self.id = grant.id
        self.ttlMs = grant.ttlMs
        self.openedZxid = grant.zxid
        self.client = client
        self.shared = Mutex(Shared())
    }

    /// Opens a session with `ttlMs` and starts keeping it alive.
    ///
    /// - Throws: `PaddockError` from opening (`.badRequest` for a TTL outside the
    ///   server's bounds, `.unreachable`, ...).
    public static func open(_ client: Client, ttlMs: Int64 = 10_000) async throws(PaddockError) -> Session {
        let started = ContinuousClock.now
        let session = Session(grant: try await client.openSession(ttlMs: ttlMs), client: client)
        // Off the cooperative pool: a busy application must not delay its keepalives.
        let executor = EventLoopExecutor(eventLoop: client.transport.http.eventLoopGroup.next())
        let task = Task(executorPreference: executor) {
            await session.keepAliveLoop(lastAnsweredAt: started, eventLoop: executor.eventLoop)
        }
        session.shared.withLock { $0.keepAlive = task }
        return session
    }

    /// The current state.
    public var state: SessionState { shared.withLock { $0.state } }

    /// Why the last keepalive failed (nil while they succeed): the reason behind
    /// `suspended` and `expired`.
    public var lastKeepAliveFailure: PaddockError? { shared.withLock { $0.lastFailure } }

    /// The states from now on: the current one first, then each change; the sequence ends
    /// after a final state. Each call gives a new, independent sequence.
    public func states() -> AsyncStream<SessionState> {
        let (stream, continuation) = AsyncStream.makeStream(of: SessionState.self, bufferingPolicy: .unbounded)
        shared.withLock { shared in
            continuation.yield(shared.state)
            if shared.state.isFinal {
                continuation.finish()
                return
            }
            let key = shared.nextSubscriber
            shared.nextSubscriber += 1
            shared.subscribers[key] = continuation
        }
        return stream
    }

    /// Closes the session on the server, deleting its ephemerals, then stops the keepalives.
    ///
    /// The keepalives go on until the close is answered, so a slow close cannot let the
    /// session expire first.
    /// - Throws: `PaddockError` (`.sessionExpired` when it had already expired). The state
    ///   is `closed` (or stays `expired`) either way.
    @discardableResult
    public func close() async throws(PaddockError) -> SessionClosed {
        let task = shared.withLock { shared in
            shared.isClosing = true
            return shared.keepAlive
        }
        defer {
            task?.cancel()
            publish(.closed)
        }
        return try await client.closeSession(id)
    }

    private var isClosing: Bool { shared.withLock { $0.isClosing } }

    /// Sets `state` and tells the subscribers; a final state is kept once reached.
    private func publish(_ state: SessionState) {
        shared.withLock { shared in
            guard !shared.state.isFinal, shared.state != state else { return }
            shared.state = state
            for key in shared.subscribers.keys.sorted() {
                shared.subscribers[key]?.yield(state)
                if state.isFinal { shared.subscribers[key]?.finish() }
            }
            if state.isFinal { shared.subscribers.removeAll() }
        }
    }

    /// Waits `ms` on `eventLoop`'s timer (see `Transport.sleep`); false when the task was
    /// cancelled by then.
    private static func pause(_ ms: Int64, on eventLoop: any EventLoop) async -> Bool {
        do throws(PaddockError) {
            try await Transport.sleep(ms, on: eventLoop)
            return true
        } catch {
            return false
        }
    }

    private func keepAliveLoop(lastAnsweredAt started: ContinuousClock.Instant, eventLoop: any EventLoop) async {
        let clock = ContinuousClock()
        let ttl = Duration.milliseconds(ttlMs)
        let intervalMs = max(1, ttlMs / 3)
        var lastAnswered = started
        // Bounded: every pass either sleeps the interval or runs a keepalive whose deadline
        // ends no later than the TTL after the last answer, after which the loop ends.
        while !Task.isCancelled {
            if state == .connected {
                // The cadence counts from the last answered send, so slow answers do not
                // push the next keepalive towards the end of the TTL.
                let waitMs = max(1, intervalMs - Transport.milliseconds(clock.now - lastAnswered))
                guard await Self.pause(waitMs, on: eventLoop) else { return }
            }
            let remainingMs = Transport.milliseconds(lastAnswered + ttl - clock.now)
            guard remainingMs > 0 else {
                publish(.expired)
                return
            }
            let sent = clock.now
            do throws(PaddockError) {
                try await client.keepAlive(id, callTimeoutMs: min(intervalMs, remainingMs))
                lastAnswered = sent
                shared.withLock { $0.lastFailure = nil }
                publish(.connected)
            } catch {
                shared.withLock { $0.lastFailure = error }
                if error.code == .cancelled || Task.isCancelled { return }
                // A keepalive that crosses this client's own close is no news.
                if isClosing { return }
                if error.code == .sessionExpired {
                    publish(.expired)
                    return
                }
                if clock.now >= lastAnswered + ttl {
                    publish(.expired)
                    return
                }
                publish(.suspended)
                // Pace retries while suspended: at least the backoff's first step.
                let pauseMs = min(client.configuration.backoffInitialMs, max(1, remainingMs / 10))
                guard await Self.pause(pauseMs, on: eventLoop) else { return }
            }
        }
    }
}
