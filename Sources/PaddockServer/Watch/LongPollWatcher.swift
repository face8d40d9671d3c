import ZNodeTree

/// A long-poll watch: answered with the first matching events after `since`, or with
/// none when its wait ends.
///
/// It lives in the hub only while it waits; it holds no connection, so its answer is
/// a plain JSON response.
final class LongPollWatcher: WatchSink, Sendable {
    /// The answer: the events (empty at the deadline) and the zxid to resume after.
    struct Answer: Sendable, Equatable {
        /// The events, in zxid order; empty when the wait ended first.
        var events: [WatchEvent]
        /// Every matching change up to this zxid is in `events` (or there was none); the
        /// next poll passes it as `since`.
        var zxid: Zxid
        /// Set when the hub ended the wait (the member stops, or its state was reset).
        var ended: WatchEndReason?
    }

    private let once: Bool
    /// The most events in an answer, cut at the end of a zxid (one entry is never split,
    /// so an entry with more matching events than this is answered whole).
    private let eventsMax: Int
    private let shot = OneShot<Answer>()

    /// A watcher; `once` answers with the first matching event only.
    init(once: Bool, eventsMax: Int) {
        precondition(eventsMax > 0, "eventsMax \(eventsMax) must be > 0")
        self.once = once
        self.eventsMax = eventsMax
    }

    func begin(initial: WatchSnapshot?, replay: [WatchEvent], startZxid: Zxid) -> Bool {
        precondition(initial == nil, "a long-poll takes no initial snapshot")
        guard let last = replay.last else { return true }
        // The replay is cut at the end of a zxid, so everything up to the last one is in it.
        shot.finish(Answer(events: once ? [replay[0]] : replay, zxid: once ? replay[0].zxid : last.zxid))
        return false
    }

    func offer(_ events: [PublishedEvent], appliedZxid: Zxid, wakes: inout LoopWakes) -> WatchOffer {
        guard let first = events.first else { return .keep }
        if once {
            shot.finish(Answer(events: [first.event], zxid: first.event.zxid))
            return .remove
        }
        var answer: [WatchEvent] = []
        answer.reserveCapacity(min(events.count, eventsMax))
        for published in events {
            if answer.count >= eventsMax, let last = answer.last, published.event.zxid != last.zxid {
                // Cut: everything up to the last included zxid is in the answer.
                shot.finish(Answer(events: answer, zxid: last.zxid))
                return .remove
            }
            answer.append(published.event)
        }
        shot.finish(Answer(events: answer, zxid: appliedZxid))
        return .remove
    }

    func end(_ reason: WatchEndReason, appliedZxid: Zxid) {
        shot.finish(Answer(events: [], zxid: appliedZxid, ended: reason))
    }

    /// Ends the wait with no events as of `appliedZxid` (the caller removed it from the hub).
    func expire(appliedZxid: Zxid) {
        shot.finish(Answer(events: [], zxid: appliedZxid))
    }

    /// Registers with `hub` and waits at most `waitMs` for the answer.
    ///
    /// Returns nil with the registration when it could not start (compacted, not yet
    /// applied, too many watchers, closed).
    static func poll(
        hub: WatchHub, filter: WatchFilter, since: Zxid, waitMs: Int64, eventsMax: Int
    ) async -> Result<Answer, RegistrationRefusal> {
        let watcher = LongPollWatcher(once: filter.once, eventsMax: eventsMax)
        switch hub.register(watcher, filter: filter, start: .after(since), replayLimit: eventsMax) {
        case .started:
            watcher.shot.scheduleTimeout(afterMs: waitMs) {
                if let applied = hub.remove(watcher) { watcher.expire(appliedZxid: applied) }
            }
        case .satisfied:
            break
        case let other:
            return .failure(RegistrationRefusal(other))
        }
        return .success(await watcher.shot.result())
    }
}

/// A registration that did not start a watcher, for the HTTP layer to answer.
struct RegistrationRefusal: Error, Sendable, Equatable {
    /// The hub's answer (never `.started` or `.satisfied`).
    var registration: WatchHub.Registration

    init(_ registration: WatchHub.Registration) {
        self.registration = registration
    }
}
