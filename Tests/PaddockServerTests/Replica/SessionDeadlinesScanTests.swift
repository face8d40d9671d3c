import Testing
import ZNodeTree

@testable import PaddockServer

/// An expiry tick visits the sessions that are due, not all of them.
@Suite struct SessionDeadlinesScanTests {
    @Test func aTickVisitsOnlyTheDueBucket() {
        // Checks minutes apart here stand for many ticks, not a stall of the member.
        var deadlines = SessionDeadlines(stallMs: .max)
        for raw in 1...10_000 {
            deadlines.opened(SessionID(rawValue: UInt64(raw)), ttlMs: 60_000, nowMs: 0)
        }
        let due = SessionID(rawValue: 20_000)
        deadlines.opened(due, ttlMs: 1_000, nowMs: 0)

        let none = deadlines.takeExpired(nowMs: 999)
        let first = deadlines.takeExpired(nowMs: 1_000)
        let visitedForOne = deadlines.sessionsVisited
        let again = deadlines.takeExpired(nowMs: 1_100)

        // Keepalives move the even sessions to a later bucket; the odd ones come due.
        for raw in stride(from: 2, through: 10_000, by: 2) {
            _ = deadlines.keepAlive(SessionID(rawValue: UInt64(raw)), nowMs: 30_000)
        }
        let odd = deadlines.takeExpired(nowMs: 60_000)
        let even = deadlines.takeExpired(nowMs: 90_000)

        #expect(none.isEmpty)
        #expect(first == [due])
        #expect(visitedForOne == 1)
        #expect(again.isEmpty)
        #expect(odd == stride(from: 1, through: 9_999, by: 2).map { SessionID(rawValue: UInt64($0)) })
        #expect(even == stride(from: 2, through: 10_000, by: 2).map { SessionID(rawValue: UInt64($0)) })
        #expect(deadlines.sessionsVisited == 1 + 10_000)
    }
}
