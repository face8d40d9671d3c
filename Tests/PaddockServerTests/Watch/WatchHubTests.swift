import Foundation
import PaddockTestSupport
import Testing
import ZNodeTree

@testable import PaddockServer

/// The hub alone: which watcher gets which event, the bounded history, registration.
@Suite struct WatchHubTests {
    @Test func plainWatchGetsItsNodeAndItsChildrenChanged() {
        var feeder = HubFeeder()
        feeder.apply(create("/a"))
        let sink = RecordingSink()
        #expect(feeder.hub.register(sink, filter: WatchFilter(path: path("/a/b"), recursive: false), start: .now) == .started(startZxid: Zxid(1)))
        feeder.apply(create("/a/b", "one"))  // 2: created /a/b (+ children_changed /a)
        feeder.apply(set("/a/b", "two"))  // 3
        feeder.apply(create("/a/b/c"))  // 4: created /a/b/c + children_changed /a/b
        feeder.apply(set("/a/b/c", "x"))  // 5: not for a plain watch of /a/b
        feeder.apply(delete("/a/b/c"))  // 6: deleted /a/b/c + children_changed /a/b
        feeder.apply(delete("/a/b"))  // 7
        #expect(sink.summary == [
            "2 created /a/b", "3 changed /a/b", "4 children_changed /a/b", "6 children_changed /a/b", "7 deleted /a/b",
        ])
        #expect(sink.events.first?.data == Array("one".utf8))
        #expect(sink.events[2].stat?.numChildren == 1)
    }

    @Test func recursiveWatchGetsTheSubtreeWithoutChildrenChanged() {
        var feeder = HubFeeder()
        feeder.apply(create("/a"), create("/ab"))
        let sink = RecordingSink()
        let root = RecordingSink()
        _ = feeder.hub.register(sink, filter: WatchFilter(path: path("/a"), recursive: true), start: .now)
        _ = feeder.hub.register(root, filter: WatchFilter(path: .root, recursive: true), start: .now)
        feeder.apply(create("/a/b"), create("/a/b/c", "deep"), set("/ab", "not below /a"), set("/a", "self"))
        #expect(sink.summary == ["3 created /a/b", "4 created /a/b/c", "6 changed /a"])
        #expect(root.summary == ["3 created /a/b", "4 created /a/b/c", "5 changed /ab", "6 changed /a"])
    }

    @Test func oneChangeVisitsOnlyTheMatchingSlots() {
        var index = WatcherIndex()
        var sinks: [RecordingSink] = []
        for number in 0..<1_000 {
            let sink = RecordingSink()
            sinks.append(sink)
            index.insert(sink, filter: WatchFilter(path: path("/other/n\(number)"), recursive: number % 2 == 0))
        }
        let exact = RecordingSink()
        let above = RecordingSink()
        index.insert(exact, filter: WatchFilter(path: path("/x/y"), recursive: false))
        index.insert(above, filter: WatchFilter(path: path("/x"), recursive: true))
        var visited: [ObjectIdentifier] = []
        let event = WatchEvent(zxid: Zxid(1), type: .changed, path: path("/x/y"), stat: nil, data: nil)
        index.forEachWatcher(of: event) { sink, _ in visited.append(ObjectIdentifier(sink)) }
        #expect(Set(visited) == [ObjectIdentifier(exact), ObjectIdentifier(above)])
        #expect(visited.count == 2)
        #expect(index.count == 1_002)
        let removed = index.remove(exact)
        let removedAgain = index.remove(exact)
        #expect(removed)
        #expect(!removedAgain)
        #expect(index.count == 1_001)
    }

    @Test func historyDropsWholeEntriesAndAnswersCompacted() {
        var limits = Limits()
        limits.watchHistoryEventsMax = 4
        var feeder = HubFeeder(limits: limits)
        feeder.apply(create("/a"))  // 1: two events
        feeder.apply(set("/a", "1"))  // 2
        feeder.apply(set("/a", "2"))  // 3
        feeder.apply(set("/a", "3"))  // 4: five events held → entry 1 goes
        #expect(feeder.hub.oldestResumableZxid == Zxid(1))
        feeder.apply(set("/a", "4"))  // 5: four held → still fits
        feeder.apply(set("/a", "5"))  // 6
        #expect(feeder.hub.oldestResumableZxid == Zxid(2))
        #expect(feeder.hub.counters.historyEvents == 4)
        let filter = WatchFilter(path: path("/a"), recursive: false)
        #expect(feeder.hub.register(RecordingSink(), filter: filter, start: .after(Zxid(1))) == .compacted(oldest: Zxid(2)))
        let sink = RecordingSink()
        #expect(feeder.hub.register(sink, filter: filter, start: .after(Zxid(2))) == .started(startZxid: Zxid(2)))
        #expect(sink.events.map(\.zxid.rawValue) == [3, 4, 5, 6])
        #expect(feeder.hub.register(RecordingSink(), filter: filter, start: .after(Zxid(7))) == .notYetApplied(applied: Zxid(6)))
    }

    @Test func historyIsBoundedInBytes() {
        var limits = Limits()
        limits.watchHistoryBytesMax = 2_000
        var feeder = HubFeeder(limits: limits)
        feeder.apply(create("/a"))
        for round in 0..<50 {
            feeder.apply(set("/a", String(repeating: "x", count: 300 + round)))
        }
        let counters = feeder.hub.counters
        #expect(counters.historyBytes <= 2_000)
        #expect(counters.historyEvents >= 3)
        #expect(counters.oldestResumableZxid == Zxid(51 - UInt64(counters.historyEvents)))
    }

    @Test func initialSnapshotAndReplayMeetTheLiveChanges() {
        var feeder = HubFeeder()
        feeder.apply(create("/a", "v"))
        let sink = RecordingSink()
        #expect(feeder.hub.register(sink, filter: WatchFilter(path: path("/a"), recursive: true), start: .initial) == .started(startZxid: Zxid(1)))
        feeder.apply(set("/a", "w"))
        #expect(sink.snapshotZxid == Zxid(1))
        #expect(sink.summary == ["2 changed /a"])
    }

    /// Between `record` (before the write is answered) and `deliver` (after), a watcher
    /// that registers finds the batch applied and in its replay, and is not offered it
    /// again; one registered before the record gets it from `deliver`, once.
    @Test(arguments: [WatchHub.Start.now, .after(Zxid(1)), .initial])
    func aWatcherRegisteredBetweenRecordAndDeliverGetsTheBatchOnce(start: WatchHub.Start) {
        var feeder = HubFeeder()
        feeder.apply(create("/a"))  // 1
        let early = RecordingSink()
        _ = feeder.hub.register(early, filter: WatchFilter(path: path("/a"), recursive: false), start: .now)

        let pending = feeder.record(set("/a", "two"))  // 2
        #expect(feeder.hub.appliedZxid == Zxid(2))
        #expect(early.summary.isEmpty, "record hands nothing out")

        let late = RecordingSink()
        let registration = feeder.hub.register(late, filter: WatchFilter(path: path("/a"), recursive: false), start: start)
        let expectedStart = start == .after(Zxid(1)) ? Zxid(1) : Zxid(2)
        #expect(registration == .started(startZxid: expectedStart))
        let replayed = late.summary
        feeder.hub.deliver(pending)
        #expect(early.summary == ["2 changed /a"])
        #expect(late.summary == replayed, "the late watcher is not offered what it already had")
        #expect(late.summary == (start == .after(Zxid(1)) ? ["2 changed /a"] : []))

        // The next batch reaches both, as usual.
        feeder.apply(set("/a", "three"))  // 3
        #expect(early.summary == ["2 changed /a", "3 changed /a"])
        #expect(late.summary.last == "3 changed /a")
    }

    /// A watcher that leaves between record and deliver (a long-poll's deadline, say) is
    /// told the zxid it has every change through: not the recorded batch it never got,
    /// or its resume would skip that batch. A late joiner has the batch in its replay.
    @Test func aWatcherLeavingBeforeDeliveryIsToldWhatItHasEverythingThrough() {
        var feeder = HubFeeder()
        feeder.apply(create("/a"))  // 1
        let early = RecordingSink()
        _ = feeder.hub.register(early, filter: WatchFilter(path: path("/a"), recursive: false), start: .now)

        let pending = feeder.record(set("/a", "two"))  // 2
        let late = RecordingSink()
        _ = feeder.hub.register(late, filter: WatchFilter(path: path("/a"), recursive: false), start: .after(Zxid(1)))

        #expect(feeder.hub.remove(early) == Zxid(1))
        #expect(feeder.hub.remove(late) == Zxid(2))
        feeder.hub.deliver(pending)
        #expect(early.summary.isEmpty)
        #expect(late.summary == ["2 changed /a"])
        #expect(feeder.hub.appliedZxid == Zxid(2))
    }

    @Test func oneShotSatisfiedByItsReplayIsNotIndexed() {
        var feeder = HubFeeder()
        feeder.apply(create("/a"), set("/a", "1"), set("/a", "2"))
        let sink = RecordingSink(stopAfterFirst: true)
        let registration = feeder.hub.register(
            sink, filter: WatchFilter(path: path("/a"), recursive: false, once: true), start: .after(Zxid(1)))
        #expect(registration == .satisfied(startZxid: Zxid(1)))
        #expect(sink.summary == ["2 changed /a"])
        #expect(feeder.hub.watcherCount == 0)
    }

    @Test func watchersMaxRefusesMore() {
        var limits = Limits()
        limits.watchersMax = 2
        let feeder = HubFeeder(limits: limits)
        let filter = WatchFilter(path: .root, recursive: true)
        #expect(feeder.hub.register(RecordingSink(), filter: filter, start: .now) == .started(startZxid: .zero))
        #expect(feeder.hub.register(RecordingSink(), filter: filter, start: .now) == .started(startZxid: .zero))
        #expect(feeder.hub.register(RecordingSink(), filter: filter, start: .now) == .tooManyWatchers)
        #expect(feeder.hub.watcherCount == 2)
    }

    @Test func shutdownEndsWatchersAndRefusesNewOnes() {
        let feeder = HubFeeder()
        let sink = RecordingSink()
        _ = feeder.hub.register(sink, filter: WatchFilter(path: .root, recursive: true), start: .now)
        feeder.hub.shutdown()
        #expect(sink.ended == .shutdown)
        #expect(feeder.hub.watcherCount == 0)
        #expect(feeder.hub.register(RecordingSink(), filter: WatchFilter(path: .root, recursive: true), start: .now) == .closed)
    }

    @Test func slowStreamOverflowsAndLeavesTheHub() {
        var limits = Limits()
        limits.watchBufferEventsMax = 5
        var feeder = HubFeeder(limits: limits)
        feeder.apply(create("/a"))
        // A stream whose connection never started: everything it is offered waits.
        let stream = WatchStream(hub: feeder.hub, encoding: .utf8, once: false)
        #expect(feeder.hub.register(stream, filter: WatchFilter(path: path("/a"), recursive: false), start: .now) == .started(startZxid: Zxid(1)))
        for round in 0..<5 { feeder.apply(set("/a", "\(round)")) }
        #expect(feeder.hub.watcherCount == 1)
        feeder.apply(set("/a", "sixth"))
        #expect(feeder.hub.watcherCount == 0)
        #expect(feeder.hub.counters.overflows == 1)
        feeder.apply(set("/a", "after"))
        #expect(feeder.hub.counters.overflows == 1)
    }

    @Test func waitUntilAppliedEndsWithThePublishOrTheDeadline() async {
        var feeder = HubFeeder()
        let hub = feeder.hub
        #expect(await hub.waitUntilApplied(Zxid(5), timeoutMs: 20) == false)
        let waiting = Task { await hub.waitUntilApplied(Zxid(2), timeoutMs: 20_000) }
        feeder.apply(create("/a"))
        feeder.apply(create("/b"))
        #expect(await waiting.value == true)
    }

    @Test func longPollAnswersFromHistoryLiveOrEmpty() async {
        var feeder = HubFeeder()
        let hub = feeder.hub
        feeder.apply(create("/a"), set("/a", "1"))
        let filter = WatchFilter(path: path("/a"), recursive: false)
        let fromHistory = await LongPollWatcher.poll(hub: hub, filter: filter, since: Zxid(1), waitMs: 10_000, eventsMax: 100)
        #expect((try? fromHistory.get())?.events.map(\.zxid.rawValue) == [2])
        #expect((try? fromHistory.get())?.zxid == Zxid(2))
        let empty = await LongPollWatcher.poll(hub: hub, filter: filter, since: Zxid(2), waitMs: 30, eventsMax: 100)
        #expect((try? empty.get()) == LongPollWatcher.Answer(events: [], zxid: Zxid(2)))
        #expect(hub.watcherCount == 0)
        let live = Task { await LongPollWatcher.poll(hub: hub, filter: filter, since: Zxid(2), waitMs: 20_000, eventsMax: 100) }
        #expect(await eventually { hub.watcherCount == 1 })
        feeder.apply(set("/a", "2"))
        let answer = try? await live.value.get()
        #expect(answer?.events.map(\.type) == [.changed])
        #expect(answer?.zxid == Zxid(3))
        let compacted = await LongPollWatcher.poll(hub: hub, filter: filter, since: Zxid(9), waitMs: 0, eventsMax: 100)
        #expect(compacted == .failure(RegistrationRefusal(.notYetApplied(applied: Zxid(3)))))
    }

    @Test(arguments: [
        ("watchHistoryEventsMax", \Limits.watchHistoryEventsMax), ("watchHistoryBytesMax", \Limits.watchHistoryBytesMax),
        ("watchBufferEventsMax", \Limits.watchBufferEventsMax), ("watchBufferBytesMax", \Limits.watchBufferBytesMax),
        ("watchersMax", \Limits.watchersMax),
    ] as [(String, WritableKeyPath<Limits, Int> & Sendable)])
    func watchCountLimitsMustBePositive(field: String, keyPath: WritableKeyPath<Limits, Int> & Sendable) {
        var limits = Limits()
        #expect(throws: Never.self) { try limits.validate() }
        limits[keyPath: keyPath] = 0
        #expect(throws: LimitsError.self) { try limits.validate() }
        do {
            try limits.validate()
        } catch {
            #expect(error.field == field)
        }
    }

    @Test func watchTimeLimitsAreBounded() {
        var limits = Limits()
        limits.watchHeartbeatMs = Limits.waitMsCeiling + 1
        #expect(throws: LimitsError(field: "watchHeartbeatMs", message: "watchHeartbeatMs must be at most \(Limits.waitMsCeiling), got \(Limits.waitMsCeiling + 1)")) {
            try limits.validate()
        }
        limits = Limits()
        limits.watchWaitMsMax = -1
        #expect(throws: LimitsError.self) { try limits.validate() }
    }

    @Test func longPollAnswersAreCutAtTheEndOfAnEntry() async {
        var feeder = HubFeeder()
        let hub = feeder.hub
        feeder.apply(create("/a"))
        let filter = WatchFilter(path: path("/a"), recursive: true)
        let poll = Task { await LongPollWatcher.poll(hub: hub, filter: filter, since: Zxid(1), waitMs: 20_000, eventsMax: 2) }
        #expect(await eventually { hub.watcherCount == 1 })
        // One batch: an entry of two events (parent and child), then two single changes.
        let parents = CreateOp(path: path("/a/b/c"), data: [], kind: .persistent, session: nil, ttlMs: nil, createParents: true)
        feeder.apply(.create(parents), set("/a", "1"), set("/a", "2"))
        let answer = try? await poll.value.get()
        #expect(answer?.events.map(\.path.string) == ["/a/b", "/a/b/c"])
        #expect(answer?.zxid == Zxid(2))
        let next = await LongPollWatcher.poll(hub: hub, filter: filter, since: Zxid(2), waitMs: 0, eventsMax: 2)
        #expect((try? next.get())?.events.map(\.zxid.rawValue) == [3, 4])
    }
}
