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
}
