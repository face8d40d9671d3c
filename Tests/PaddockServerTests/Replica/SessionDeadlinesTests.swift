import Testing
import ZNodeTree

@testable import PaddockServer

@Suite struct SessionDeadlinesTests {
    let a = SessionID(rawValue: 0xA)
    let b = SessionID(rawValue: 0xB)

    @Test func openingSessionsDoNotExpireUntilOpened() {
        var deadlines = SessionDeadlines()
        let first = deadlines.beginOpen(a, ttlMs: 100, nowMs: 0)
        let again = deadlines.beginOpen(a, ttlMs: 100, nowMs: 0)
        let whileOpening = deadlines.takeExpired(nowMs: 1_000)
        deadlines.opened(a, ttlMs: 100, nowMs: 1_000)
        let early = deadlines.takeExpired(nowMs: 1_099)
        let due = deadlines.takeExpired(nowMs: 1_100)
        #expect(first)
        #expect(!again)
        #expect(whileOpening.isEmpty)
        #expect(early.isEmpty)
        #expect(due == [a])
        #expect(deadlines.count == 1)
    }

    @Test func keepAliveMovesTheDeadlineAndFailsOnceEnding() {
        var deadlines = SessionDeadlines()
        deadlines.opened(a, ttlMs: 100, nowMs: 0)
        deadlines.opened(b, ttlMs: 100, nowMs: 0)
        let kept = deadlines.keepAlive(a, nowMs: 90)
        let firstExpired = deadlines.takeExpired(nowMs: 150)
        let lateKeepAlive = deadlines.keepAlive(b, nowMs: 150)
        let secondExpired = deadlines.takeExpired(nowMs: 190)
        let none = deadlines.takeExpired(nowMs: 500)
        deadlines.remove(a)
        deadlines.remove(b)
        let afterRemove = deadlines.keepAlive(a, nowMs: 500)
        #expect(kept == 100)
        #expect(firstExpired == [b])
        #expect(lateKeepAlive == nil)
        #expect(secondExpired == [a])
        #expect(none.isEmpty)
        #expect(deadlines.count == 0)
        #expect(afterRemove == nil)
    }

    @Test func expiredAreSortedAndRecoveredGetAFullTTL() {
        var deadlines = SessionDeadlines()
        deadlines.adoptRecovered(
            [SessionInfo(id: b, ttlMs: 50, ephemerals: []), SessionInfo(id: a, ttlMs: 50, ephemerals: [])],
            nowMs: 10_000
        )
        let early = deadlines.takeExpired(nowMs: 10_049)
        let due = deadlines.takeExpired(nowMs: 10_050)
        #expect(early.isEmpty)
        #expect(due == [a, b])
    }

    @Test func closingEndsKeepalives() {
        var deadlines = SessionDeadlines()
        deadlines.opened(a, ttlMs: 1_000, nowMs: 0)
        deadlines.beginEnd(a)
        let kept = deadlines.keepAlive(a, nowMs: 1)
        let expired = deadlines.takeExpired(nowMs: 5_000)
        #expect(kept == nil)
        #expect(expired.isEmpty)
    }

    /// The member stood still for 10 s between two checks: those 10 s (less a tick) do not
    /// count, so a 1 s session opened just before expires 1 s of running time later, not
    /// at once; without a stall it expires on time.
    @Test func timeTheMemberStoodStillDoesNotCount() {
        var stalled = SessionDeadlines()
        _ = stalled.takeExpired(nowMs: 0)
        stalled.opened(a, ttlMs: 1_000, nowMs: 50)
        let afterStall = stalled.takeExpired(nowMs: 10_000)
        var due: [SessionID] = []
        var dueAtMs: Int64 = 0
        for nowMs in stride(from: Int64(10_100), through: 12_000, by: 100) where due.isEmpty {
            due = stalled.takeExpired(nowMs: nowMs)
            dueAtMs = nowMs
        }
        #expect(afterStall.isEmpty)
        #expect(due == [a])
        #expect(stalled.stalledMs == 9_900)
        // Deadline 1,050 on the running clock: 1,050 + 9,900 = 10,950, checked at 11,000.
        #expect(dueAtMs == 11_000)

        var steady = SessionDeadlines()
        var expired: [SessionID] = []
        var expiredAtMs: Int64 = 0
        steady.opened(a, ttlMs: 1_000, nowMs: 50)
        for nowMs in stride(from: Int64(0), through: 2_000, by: 100) where expired.isEmpty {
            expired = steady.takeExpired(nowMs: nowMs)
            expiredAtMs = nowMs
        }
        #expect(expired == [a])
        #expect(expiredAtMs == 1_100)
        #expect(steady.stalledMs == 0)
    }

    /// Keepalives and adoptions after a stall use the same clock as the deadlines.
    @Test func keepalivesAfterAStallKeepTheirFullTTL() {
        var deadlines = SessionDeadlines()
        _ = deadlines.takeExpired(nowMs: 0)
        deadlines.opened(a, ttlMs: 1_000, nowMs: 0)
        _ = deadlines.takeExpired(nowMs: 5_000)  // a 4.9 s stall
        _ = deadlines.keepAlive(a, nowMs: 5_000)
        deadlines.adopt(b, ttlMs: 1_000, deadlineMs: 6_000)
        let early = deadlines.takeExpired(nowMs: 5_900)
        let due = deadlines.takeExpired(nowMs: 6_000)
        #expect(early.isEmpty)
        #expect(due == [a, b])
    }
}
