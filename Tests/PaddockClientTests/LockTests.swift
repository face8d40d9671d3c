import PaddockClient
import PaddockServer
import PaddockTestSupport
import Testing
import ZNodeTree

/// A value `withLock` bodies throw to test the release on throw.
private struct BodyFailure: Error, Equatable {}

@Suite("Lock: withLock releases on return, throw and cancellation; tryLock times out")
struct LockTests {
    /// A TTL with room for a machine saturated by the whole suite.
    static let ttlMs: Int64 = 6_000

    @Test func withLockReleasesOnReturn() async throws {
        try await LiveMember.with { member in
            try await withClient([member.endpoint]) { client in
                let first = try await Session.open(client, ttlMs: Self.ttlMs)
                let second = try await Session.open(client, ttlMs: Self.ttlMs)
                let lock = Lock("jobs", session: first)
                let (value, token) = try await lock.withLock { token in
                    let status = try await client.lockStatus("jobs")
                    #expect(status.holder?.token == token)
                    #expect(status.holder?.session == first.id)
                    return (42, token)
                }
                #expect(value == 42)
                #expect(token.rawValue > 0)
                let after = try await client.lockStatus("jobs")
                #expect(after.holder == nil)
                #expect(after.queue.isEmpty)
                let next = try await Lock("jobs", session: second).tryLock(timeoutMs: 0)
                #expect(next != nil)
                #expect((next?.token ?? token) > token, "tokens grow from grant to grant")
                try await first.close()
                try await second.close()
            }
        }
    }

    @Test func withLockReleasesOnThrow() async throws {
        try await LiveMember.with { member in
            try await withClient([member.endpoint]) { client in
                let session = try await Session.open(client, ttlMs: Self.ttlMs)
                let lock = Lock("jobs", session: session)
                await #expect(throws: BodyFailure.self) {
                    try await lock.withLock { (_: FencingToken) -> Int in throw BodyFailure() }
                }
                let after = try await client.lockStatus("jobs")
                #expect(after.holder == nil)
                #expect(after.queue.isEmpty)
                try await session.close()
            }
        }
    }

    @Test func withLockReleasesOnCancellationAndTheNextWaiterGetsItAtOnce() async throws {
        try await LiveMember.with { member in
            try await withClient([member.endpoint]) { client in
                let first = try await Session.open(client, ttlMs: Self.ttlMs)
                let second = try await Session.open(client, ttlMs: Self.ttlMs)
                let (acquired, acquiredContinuation) = AsyncStream.makeStream(of: FencingToken.self)
                let holder = Task {
                    try await Lock("jobs", session: first).withLock { token in
                        acquiredContinuation.yield(token)
                        // Holds the lock until the task is cancelled: the stream then ends.
                        let (never, keep) = AsyncStream.makeStream(of: Int.self)
                        for await _ in never {}
                        keep.finish()
                    }
                }
                var tokens = acquired.makeAsyncIterator()
                let firstToken = try #require(await tokens.next())
                let waiter = Task { try await Lock("jobs", session: second).acquire(timeoutMs: 30_000) }
                let queued = await eventually { (try? await client.lockStatus("jobs").queue.count) == 2 }
                #expect(queued, "the second session did not queue")
                holder.cancel()
                _ = await holder.result
                let grant = try await waiter.value
                #expect(grant.session == second.id)
                #expect(grant.token > firstToken)
                let status = try await client.lockStatus("jobs")
                #expect(status.holder?.token == grant.token)
                #expect(status.queue.count == 1)
                try await first.close()
                try await second.close()
            }
        }
    }

    @Test func aCancelledWaitLeavesTheQueue() async throws {
        try await LiveMember.with { member in
            try await withClient([member.endpoint]) { client in
                let first = try await Session.open(client, ttlMs: Self.ttlMs)
                let second = try await Session.open(client, ttlMs: Self.ttlMs)
                let held = try #require(try await Lock("jobs", session: first).tryLock())
                let waiter = Task { try await Lock("jobs", session: second).withLock { _ in 1 } }
                let queued = await eventually { (try? await client.lockStatus("jobs").queue.count) == 2 }
                #expect(queued, "the second session did not queue")
                waiter.cancel()
                await #expect(throws: PaddockError.self) { try await waiter.value }
                let status = try await client.lockStatus("jobs")
                #expect(status.queue.map(\.token) == [held.token], "the cancelled waiter left the queue")
                try await first.close()
                try await second.close()
            }
        }
    }

    @Test func tryLockTimesOutWhileAnotherHoldsAndLeavesTheQueue() async throws {
        try await LiveMember.with { member in
            try await withClient([member.endpoint]) { client in
                let first = try await Session.open(client, ttlMs: Self.ttlMs)
                let second = try await Session.open(client, ttlMs: Self.ttlMs)
                let held = try #require(try await Lock("jobs", session: first).tryLock())
                let started = ContinuousClock.now
                let attempt = try await Lock("jobs", session: second).tryLock(timeoutMs: 300)
                #expect(attempt == nil)
                #expect(ContinuousClock.now - started >= .milliseconds(300))
                let status = try await client.lockStatus("jobs")
                #expect(status.holder?.token == held.token)
                #expect(status.queue.map(\.session) == [first.id], "the timed-out session left the queue")
                await #expect(throws: PaddockError.self) {
                    try await Lock("jobs", session: second).acquire(timeoutMs: 100)
                }
                try await Lock("jobs", session: first).release(held)
                #expect(try await client.lockStatus("jobs").holder == nil)
                try await first.close()
                try await second.close()
            }
        }
    }
}
