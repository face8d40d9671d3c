import Foundation
import PaddockAPI
import PaddockTestSupport
import Synchronization
import Testing
import ZNodeTree

@testable import PaddockServer

/// Twenty contenders on one lock against a live member, with sessions closed or left to
/// expire (while waiting or while holding) and keepalives paused: one holder at a time,
/// strictly increasing tokens, and every contender that stays alive gets the lock.
@Suite struct LockContentionTests {
    /// What a contender does besides taking the lock.
    enum Role: Sendable, Equatable {
        /// Takes the lock `rounds` times, keeping its session alive.
        case steady
        /// As steady, but stops its keepalives for a while (less than its TTL) before its second round.
        case pauses
        /// Closes its session right after joining (waiting, or holding if it was first).
        case closes
        /// Stops its keepalives right after joining; the member expires it.
        case expires
    }

    /// One grant as a contender saw it.
    struct Grant: Sendable {
        var contender: Int
        var token: Int64
        /// When the acquire that ended in this grant was sent.
        var askedAt: ContinuousClock.Instant
        /// When the grant's answer came.
        var grantedAt: ContinuousClock.Instant
        /// When the holder sent its release, or stopped keeping its session (nil: never ended).
        var endedAt: ContinuousClock.Instant?
        /// Whether it ended with a release (else by its session's end).
        var released: Bool
        /// Whether the holder did its fenced write.
        var worked = true
    }

    static let contenders = 20
    static let rounds = 2
    static let lock = "contended"

    @Test func oneHolderAtATimeAndEveryLiveContenderGetsTheLock() async throws {
        try await WatchServerFixture.with { fixture in
            let client = CoordinationClient(port: fixture.port)
            _ = try await client.send("POST", "/v1/nodes/counter", json: "{\"data\":\"0\"}")
            // Roles from a fixed seed: 4 close, 4 expire, 4 pause, 8 steady.
            var roles: [Role] = Array(repeating: .closes, count: 4) + Array(repeating: .expires, count: 4)
                + Array(repeating: .pauses, count: 4) + Array(repeating: .steady, count: 8)
            var generator = SeededGenerator(seed: 0x10C6_5EED)
            roles.shuffle(using: &generator)
            let fencedWrites = WriteCount()
            let failures = FailureLog()

            let grants: [Grant] = await withTaskGroup(of: [Grant].self) { group in
                for (index, role) in roles.enumerated() {
                    group.addTask {
                        do {
                            return try await Self.contend(
                                index, role: role, client: client, fencedWrites: fencedWrites)
                        } catch {
                            failures.append("contender \(index) (\(role)): \(error)")
                            return []
                        }
                    }
                }
                var all: [Grant] = []
                for await grants in group { all += grants }
                return all
            }
            #expect(failures.all == [])

            // Tokens strictly increase in the order the grants happened.
            let byToken = grants.sorted { $0.token < $1.token }
            #expect(Set(grants.map(\.token)).count == grants.count, "a token was granted twice")
            for (earlier, later) in zip(byToken, byToken.dropFirst()) {
                #expect(earlier.grantedAt < later.grantedAt, "token \(later.token) was granted before \(earlier.token)")
                // Never two holders: the next grant comes after the previous holder let go.
                // (A holder whose session expired under it let go when it expired; the
                // fence refused its write, so it did nothing as a holder.)
                if !earlier.worked { continue }
                if let ended = earlier.endedAt {
                    #expect(ended < later.grantedAt, "token \(later.token) was granted while \(earlier.token) held")
                } else {
                    Issue.record("grant \(earlier.token) never ended but \(later.token) followed")
                }
            }
            // Every contender that stayed alive got the lock each round.
            for (index, role) in roles.enumerated() where role == .steady || role == .pauses {
                #expect(grants.filter { $0.contender == index }.count == Self.rounds, "contender \(index)")
            }
            // Every holder's fenced write applied, one after the other.
            let counter = try await client.send("GET", "/v1/nodes/counter")
            #expect(counter.string("data") == String(fencedWrites.value))
            #expect(fencedWrites.value == grants.filter(\.worked).count)

            // Hand-over latency: release sent → the next waiter's grant received.
            var latenciesMs: [Double] = []
            for (earlier, later) in zip(byToken, byToken.dropFirst()) where earlier.released {
                guard let ended = earlier.endedAt, later.askedAt < ended else { continue }
                let gap = later.grantedAt - ended
                latenciesMs.append(Double(gap.components.seconds) * 1_000 + Double(gap.components.attoseconds) / 1e15)
            }
            latenciesMs.sort()
            #expect(latenciesMs.count >= 10, "too few hand-overs to waiting contenders: \(latenciesMs.count)")
            if !latenciesMs.isEmpty {
                let p50 = latenciesMs[latenciesMs.count / 2]
                let p99 = latenciesMs[min(latenciesMs.count - 1, Int((Double(latenciesMs.count) * 0.99).rounded(.up)) - 1)]
                print(String(
                    format: "lock hand-over latency (release sent -> next grant received), %d hand-overs: p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                    latenciesMs.count, p50, p99, latenciesMs.last!))
            }

            // Nothing is left: no holder, no queue, no watcher.
            #expect(await eventually {
                let shown = try? await client.send("GET", "/v1/locks/\(Self.lock)")
                return shown?.json?["queue"] == .array([]) && fixture.hub.watcherCount == 0
            })
        }
    }

    /// One contender's life; returns its grants.
    static func contend(
        _ index: Int, role: Role, client: CoordinationClient, fencedWrites: WriteCount
    ) async throws -> [Grant] {
        // Live contenders get room for a busy machine: a keepalive every 200 ms, a 6 s TTL.
        let ttlMs = role == .expires ? 2_500 : 6_000
        let session = try await client.openSession(ttlMs: ttlMs)
        let pacer = KeepAlivePacer(client: client, session: session, periodMs: 200)
        return try await withThrowingTaskGroup(of: [Grant]?.self) { group in
            group.addTask {
                await pacer.run()
                return nil
            }
            defer { pacer.stop() }
            var grants: [Grant] = []
            let clock = ContinuousClock()
            if role == .closes || role == .expires {
                let askedAt = clock.now
                let joined = try await client.acquire(lock, session: session)
                if joined.bool("held") == true {
                    // First in line: it dies while holding, after its fenced write.
                    var grant = try await hold(
                        index, joined, askedAt: askedAt, client: client, fencedWrites: fencedWrites,
                        mayHaveLostIt: role == .expires)
                    grant.endedAt = grant.worked ? clock.now : grant.grantedAt
                    grants.append(grant)
                }
                if role == .closes {
                    let closed = try await client.send("DELETE", "/v1/sessions/\(session)")
                    #expect(closed.status == 200)
                } else {
                    pacer.stop()
                }
                // Its place is gone once the session ends: a waiting acquire says so. An
                // expiring session may still reach the head first: a grant without work,
                // which ends when the member expires it.
                for _ in 0..<5 {
                    let askedAt = clock.now
                    let after = try await client.acquire(lock, session: session, wait: "10s")
                    if after.status == 200, after.bool("held") == true, role == .expires, let token = after.int("token") {
                        if !grants.contains(where: { $0.token == token }) {
                            let now = clock.now
                            grants.append(Grant(
                                contender: index, token: token, askedAt: askedAt, grantedAt: now, endedAt: now,
                                released: false, worked: false))
                        }
                        // A holder's acquire answers at once: wait for the expiry instead.
                        _ = await eventually {
                            (try? await client.send("GET", "/v1/sessions/\(session)"))?.status == 410
                        }
                        continue
                    }
                    #expect(after.status == 410, "contender \(index): \(after.body)")
                    #expect(after.code == "SessionExpired")
                    return grants
                }
                Issue.record("contender \(index) (\(role)) kept its place after its session ended")
                return grants
            }
            for round in 0..<rounds {
                if role == .pauses && round == 1 { pacer.pause(forMs: ttlMs / 3) }
                var answer: RawResponse?
                var askedAt = clock.now
                for _ in 0..<40 {
                    askedAt = clock.now
                    let attempt = try await client.acquire(lock, session: session, wait: "5s")
                    guard attempt.status == 200 else {
                        throw CoordinationClient.ClientFailure(message: "acquire answered \(attempt.status) \(attempt.body)")
                    }
                    if attempt.bool("held") == true {
                        answer = attempt
                        break
                    }
                }
                guard let answer else { throw CoordinationClient.ClientFailure(message: "never got the lock") }
                var grant = try await hold(index, answer, askedAt: askedAt, client: client, fencedWrites: fencedWrites)
                let key = answer.string("key") ?? ""
                grant.endedAt = clock.now
                grant.released = true
                let released = try await client.send("DELETE", "/v1/locks/\(lock)/\(key)")
                #expect(released.status == 200, "contender \(index): \(released.body)")
                grants.append(grant)
            }
            return grants
        }
    }

    /// The holder's work: a read-modify-write of `/counter` fenced by its token.
    ///
    /// `mayHaveLostIt`: the holder's session is meant to expire (it stopped keeping it
    /// alive, or a busy machine delayed its keepalives past the TTL), so the fence may
    /// rightly refuse its write: the lock passed on, and the token kept the stale holder
    /// out. Such a grant did no work.
    static func hold(
        _ index: Int, _ answer: RawResponse, askedAt: ContinuousClock.Instant, client: CoordinationClient,
        fencedWrites: WriteCount, mayHaveLostIt: Bool = false
    ) async throws -> Grant {
        let grantedAt = ContinuousClock().now
        guard let token = answer.int("token") else { throw CoordinationClient.ClientFailure(message: "no token: \(answer.body)") }
        let counter = try await client.send("GET", "/v1/nodes/counter")
        let value = Int(counter.string("data") ?? "") ?? -1
        let version = counter.json?["stat"]?["version"]?.int64Value ?? -1
        let write = try await client.send("POST", "/v1/txn", json: """
            {"ops":[{"op":"fence","lock":"\(lock)","token":\(token)},\
            {"op":"set","path":"/counter","data":"\(value + 1)","version":\(version)}]}
            """)
        if mayHaveLostIt && write.status == 409 {
            #expect(write.body.contains("FenceMismatch"), "contender \(index) token \(token): \(write.body)")
            return Grant(
                contender: index, token: token, askedAt: askedAt, grantedAt: grantedAt, endedAt: nil, released: false,
                worked: false)
        }
        #expect(write.status == 200, "contender \(index) token \(token): \(write.body)")
        if write.status == 200 { fencedWrites.increment() }
        return Grant(contender: index, token: token, askedAt: askedAt, grantedAt: grantedAt, endedAt: nil, released: false)
    }
}

/// Sends a session's keepalives every `periodMs`, like a client library would, and can be
/// paused (to let the session come close to its deadline) or stopped (to let it expire).
final class KeepAlivePacer: Sendable {
    private let client: CoordinationClient
    private let session: String
    private let periodMs: Int
    private let state = Mutex<(stopped: Bool, pausedUntil: ContinuousClock.Instant?)>((false, nil))

    init(client: CoordinationClient, session: String, periodMs: Int) {
        self.client = client
        self.session = session
        self.periodMs = periodMs
    }

    func stop() { state.withLock { $0.stopped = true } }

    func pause(forMs ms: Int) {
        state.withLock { $0.pausedUntil = ContinuousClock().now.advanced(by: .milliseconds(ms)) }
    }

    /// Runs until stopped, at most 10 minutes' worth of periods.
    func run() async {
        for _ in 0..<(600_000 / periodMs) {
            let (stopped, paused) = state.withLock { state in
                (state.stopped, state.pausedUntil.map { ContinuousClock().now < $0 } ?? false)
            }
            if stopped { return }
            if !paused { _ = try? await client.send("POST", "/v1/sessions/\(session)/keepalive") }
            // The keepalive cadence itself, not a wait for a condition.
            try? await Task.sleep(for: .milliseconds(periodMs))
        }
    }
}

/// SplitMix64, so the roles are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A count shared by the contenders.
final class WriteCount: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}

/// Failures of contenders, reported after they all ended.
final class FailureLog: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }
}
