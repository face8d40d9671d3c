import Foundation
import PaddockAPI
import Synchronization
import ZNodeTree

/// How a candidate of a `LeaderElection` stands.
public enum Leadership: Sendable, Equatable {
    /// This candidate leads; do the leader's work with this fencing token.
    case leading(FencingToken)
    /// Another candidate leads (with this value; nil when, for a moment, nobody does).
    case following(leaderValue: String?)
    /// This candidate is out of the election: it resigned, its session ended, or it lost
    /// the lead (its node is gone). Final.
    case lost

    /// Whether no other state can follow.
    public var isFinal: Bool { self == .lost }

    /// The token while leading, else nil.
    public var token: FencingToken? {
        if case .leading(let token) = self { return token }
        return nil
    }
}

/// A candidate in a leader election served by Paddock (`/v1/elections/{name}`).
///
/// `campaign()` stands for the election with `value` (an address, say, that followers
/// read); from then on `leadership()` tells how it stands: `following` the current
/// leader, `leading` with a fencing token, and finally `lost`. It learns this from the
/// election's `observe` stream (reconnected across members) and from the session's
/// states: when the session ends, leadership is `lost` at once, no later than the server
/// gives it to the next candidate, so a leader that stops on `lost` stops in time.
///
/// A session stands at most once per election: a second `LeaderElection` of one name and
/// one session shares the first one's place. A `LeaderElection` campaigns once; to stand
/// again after `lost`, make a new one.
public final class LeaderElection: Sendable {
    /// The election's name: 1 to 64 of `A-Z a-z 0-9 . _ -`.
    public let name: String
    /// The session that stands.
    public let session: Session
    private let shared: Mutex<Shared>

    private struct Leader: Sendable, Equatable {
        var key: String
        var token: FencingToken
        var value: String?
    }

    private struct Shared {
        var value: String
        var key: String?
        var leader: Leader?
        /// Whether `leader` was learned (from the campaign's answer or the stream), so a
        /// candidate that just joined does not report "nobody leads" before it knows.
        var leaderKnown = false
        var state: Leadership?
        var subscribers: [Int: AsyncStream<Leadership>.Continuation] = [:]
        var nextSubscriber = 0
        var follower: Task<Void, Never>?
    }

    /// A candidate for the election `name`, standing with `session` and `value`.
    ///
    /// Names are checked by the server (`.badRequest` from `campaign`).
    public init(_ name: String, session: Session, value: String = "") {
        self.name = name
        self.session = session
        self.shared = Mutex(Shared(value: value))
    }

    private var client: Client { session.client }

    /// The current state; nil before `campaign()` answered.
    public var state: Leadership? { shared.withLock { $0.state } }

    /// The fencing token while this candidate leads, else nil.
    public var token: FencingToken? { state?.token }

    /// This candidate's key (`candidate-0000000003`) once it stands.
    public var key: String? { shared.withLock { $0.key } }

    /// The value this candidate stands with (what followers see while it leads).
    public var value: String { shared.withLock { $0.value } }

    /// Stands for the election and starts following how it goes (`leadership()`).
    ///
    /// Returns once the server queued the candidate: it may lead at once or follow. A
    /// second call while standing does nothing.
    /// - Throws: `PaddockError` (`.sessionExpired`, `.badRequest` for a bad name or
    ///   value, `.unreachable`, ...); `.badRequest` once `lost`.
    public func campaign() async throws(PaddockError) {
        let (standing, value) = shared.withLock { ($0.key != nil, $0.value) }
        if state == .lost { throw PaddockError(.badRequest, "this candidate of \(name) is out; make a new one") }
        if standing { return }
        let encoded = try Client.recipeName(name)
        let target = "/v1/elections/\(encoded)/campaign"
        let answer = try await client.joinQueue(target, session: session.id, waitMs: 0, value: value)
        let start = shared.withLock { shared -> Bool in
            guard shared.key == nil else { return false }
            shared.key = answer.key
            if answer.isHead, let token = answer.token {
                shared.leader = Leader(key: answer.key, token: FencingToken(rawValue: token), value: answer.value)
                shared.leaderKnown = true
            }
            return true
        }
        guard start else { return }
        // The candidate may have joined before; the server keeps its first value.
        if let kept = answer.value { shared.withLock { $0.value = kept } }
        update()
        let task = Task { [self] in await self.follow() }
        shared.withLock { $0.follower = task }
    }

    /// The states from now on: the current one first (once known), then each change; the
    /// sequence ends after `lost`. Each call gives a new, independent sequence.
    public func leadership() -> AsyncStream<Leadership> {
        let (stream, continuation) = AsyncStream.makeStream(of: Leadership.self, bufferingPolicy: .unbounded)
        shared.withLock { shared in
            if let state = shared.state {
                continuation.yield(state)
                if state.isFinal {
                    continuation.finish()
                    return
                }
            }
            let key = shared.nextSubscriber
            shared.nextSubscriber += 1
            shared.subscribers[key] = continuation
        }
        return stream
    }

    /// Changes the value while leading (one transaction fenced by the leader's token).
    ///
    /// - Throws: `PaddockError` (`.fenceMismatch` when this candidate does not lead,
    ///   `.noNode` when it is gone, `.badRequest` before `campaign()`).
    public func proclaim(_ value: String) async throws(PaddockError) {
        guard let key else { throw PaddockError(.badRequest, "proclaim before campaign in \(name)") }
        let request = CandidateRequest(session: WireSessionID(session.id), key: key, value: value)
        let encoded = try Client.recipeName(name)
        let target = "/v1/elections/\(encoded)/proclaim"
        _ = try await client.transport.perform(Call(.POST, target, body: try Client.json(request), isWrite: true))
        shared.withLock { $0.value = value }
    }

    /// Leaves the election: the next candidate leads. The state becomes `lost`.
    ///
    /// - Throws: `PaddockError` (`.unreachable`, ...); the state is `lost` either way, and
    ///   a candidate already gone (`.noNode`, `.sessionExpired`) is no error.
    public func resign() async throws(PaddockError) {
        guard let key else {
            end()
            return
        }
        defer { end() }
        let request = CandidateRequest(session: WireSessionID(session.id), key: key, value: nil)
        let encoded = try Client.recipeName(name)
        let target = "/v1/elections/\(encoded)/resign"
        do throws(PaddockError) {
            _ = try await client.transport.perform(Call(.POST, target, body: try Client.json(request), isWrite: true))
        } catch where error.code == .noNode || error.code == .sessionExpired {
            return
        }
    }

    // MARK: Following

    /// Follows the session's states and the election's leaders until `lost`.
    private func follow() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await state in self.session.states() where state.isFinal { break }
            }
            group.addTask { await self.observe() }
            await group.next()
            group.cancelAll()
        }
        end()
    }

    /// Reads the `observe` stream, reconnecting (with backoff) until cancelled.
    private func observe() async {
        let backoff = Backoff(initialMs: client.configuration.backoffInitialMs, maxMs: client.configuration.backoffMaxMs)
        var generator = SystemRandomNumberGenerator()
        var failures = 0
        // Bounded by the task: it is cancelled when the session ends or the candidate resigns.
        while !Task.isCancelled {
            do throws(PaddockError) {
                try await readObserveStream()
                failures = 0
            } catch {
                if Task.isCancelled || error.code == .cancelled { return }
                failures += 1
            }
            let pauseMs = backoff.delayMs(round: max(1, failures), using: &generator)
            do throws(PaddockError) {
                try await Transport.sleep(pauseMs, on: client.transport.http.eventLoopGroup.any())
            } catch {
                return
            }
        }
    }

    /// One connection of the `observe` stream, read until it ends.
    private func readObserveStream() async throws(PaddockError) {
        let encoded = try Client.recipeName(name)
        let target = "/v1/elections/\(encoded)/observe"
        let call = Call(.GET, target, isWrite: false, headers: [("Accept", "text/event-stream")])
        let (response, endpoint) = try await client.transport.open(call)
        var parser = SSEParser()
        do {
            for try await chunk in response.body {
                for message in try parser.feed(chunk.readableBytesView) {
                    try receive(message)
                }
            }
        } catch let error as PaddockError {
            throw error
        } catch {
            throw Transport.classify(error, endpoint: endpoint)
        }
    }

    /// Takes in one `leader` or `no-leader` event.
    private func receive(_ message: SSEMessage) throws(PaddockError) {
        switch message.event {
        case "leader":
            let body: LeaderEventBody
            do {
                body = try JSONDecoder().decode(LeaderEventBody.self, from: Data(message.data.utf8))
            } catch {
                throw PaddockError(.invalidResponse, "a leader event this client cannot read: \(message.data)", cause: error)
            }
            let leader = Leader(key: body.key, token: FencingToken(rawValue: body.token), value: body.value)
            shared.withLock { shared in
                shared.leader = leader
                shared.leaderKnown = true
            }
        case "no-leader":
            shared.withLock { shared in
                shared.leader = nil
                shared.leaderKnown = true
            }
        default:
            return
        }
        update()
    }

    /// Publishes the state that the key and the leader give.
    private func update() {
        let isLost = shared.withLock { shared -> Bool in
            guard let key = shared.key, shared.leaderKnown, shared.state != .lost else { return false }
            let next: Leadership
            if let leader = shared.leader, leader.key == key {
                next = .leading(leader.token)
            } else if case .leading = shared.state {
                // Only the head leads, and it stops only when its node goes: this one is out.
                next = .lost
            } else {
                next = .following(leaderValue: shared.leader?.value)
            }
            Self.publish(next, to: &shared)
            return next == .lost
        }
        if isLost { end() }
    }

    /// Makes the state `lost` and stops following.
    private func end() {
        let task = shared.withLock { shared in
            Self.publish(.lost, to: &shared)
            return shared.follower
        }
        task?.cancel()
    }

    private static func publish(_ state: Leadership, to shared: inout Shared) {
        guard shared.state != .lost, shared.state != state else { return }
        shared.state = state
        for key in shared.subscribers.keys.sorted() {
            shared.subscribers[key]?.yield(state)
            if state.isFinal { shared.subscribers[key]?.finish() }
        }
        if state.isFinal { shared.subscribers.removeAll() }
    }
}
