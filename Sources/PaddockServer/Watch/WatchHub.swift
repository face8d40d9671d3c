import Dispatch
import Synchronization
import ZNodeTree

/// The watch hub of one member: its recent events, its watchers, and the view they start from.
///
/// The member's apply thread calls `publish` after each applied batch, in zxid order,
/// with the tree as it stands after the batch; HTTP handlers register watchers. One lock
/// guards the history, the index and the current view, and both `publish` and
/// `register` run entirely under it: a watcher registered at applied zxid Z gets its
/// replay or snapshot up to Z and then, from its sink, every change after Z; nothing
/// falls between and nothing comes twice.
///
/// Why a lock and not an event loop or an actor: publishing is a short synchronous step
/// on the apply thread (append to the history, look watchers up, hand each matching one
/// its events); each sink only queues and schedules its own writes on its connection's
/// event loop. An actor would add a hop per batch and reorder nothing better; a lock
/// keeps `publish` O(events × (path depth + matching watchers)) with no task per watcher.
public final class WatchHub: Sendable {
    /// The bounds this hub enforces (history, buffers, heartbeat, watchers).
    public let limits: Limits
    private let state: Mutex<HubState>

    private struct HubState: Sendable {
        var history: WatchHistory
        var index = WatcherIndex()
        /// The tree after the last published batch.
        var tree: ZNodeTree
        /// The zxid of the last published batch.
        var applied: Zxid
        var appliedWaiters: [AppliedWaiter] = []
        var closed = false
        var counters = WatchHubCounters()
        /// Batches recorded and not delivered yet.
        var undelivered = 0
        /// Watchers registered while batches were undelivered, with the applied zxid at
        /// their registration: they got those batches in their replay or snapshot, so
        /// `deliver` skips them for batches up to that zxid.
        var lateJoiners: [ObjectIdentifier: Zxid] = [:]
        /// Counts `reset`s: a batch recorded before one is not delivered after it.
        var generation = 0
        /// Every batch through this zxid was handed to the watchers; `applied` may be ahead
        /// while recorded batches wait for `deliver`.
        var delivered: Zxid

        /// The zxid a registered sink has every change through: what was delivered, or what
        /// its replay or snapshot covered when it registered while batches were undelivered.
        func completeZxid(of sink: any WatchSink) -> Zxid {
            max(delivered, lateJoiners[ObjectIdentifier(sink)] ?? .zero)
        }
    }

    /// A hub with an empty history at the tree's zxid; the member calls `reset(tree:)`
    /// with its recovered tree before publishing.
    public init(limits: Limits = .default, tree: ZNodeTree = ZNodeTree()) {
        self.limits = limits
        let history = WatchHistory(
            floor: tree.lastApplied, eventsMax: limits.watchHistoryEventsMax, bytesMax: limits.watchHistoryBytesMax)
        state = Mutex(HubState(history: history, tree: tree, applied: tree.lastApplied, delivered: tree.lastApplied))
    }

    // MARK: Feeding the hub (the member's apply thread)

    /// Publishes one applied batch: `record`, then `deliver`.
    public func publish(events: [WatchEvent], appliedZxid: Zxid, tree: ZNodeTree) {
        deliver(record(events: events, appliedZxid: appliedZxid, tree: tree))
    }

    /// Records one applied batch: `events` are the watch events of every entry of the
    /// batch, in apply order (`ApplyOutput.events`, concatenated), and `tree` is the tree
    /// after the batch, applied through `appliedZxid`. The history, the applied zxid and
    /// the view new watchers start from move; the watchers get the batch from `deliver`.
    ///
    /// Call it after every batch, also one without events (a no-op entry), so that
    /// watchers waiting for a zxid and long-polls see the applied zxid move. Call it
    /// before answering the batch's writes, so that a client that wrote Z and then
    /// watches finds Z applied here; call `deliver` with its result after answering them,
    /// so that the answers do not wait behind the hand-out to every watcher (and, on a
    /// shared event loop, behind the watchers' writes). Deliver the batches in the order
    /// they were recorded.
    ///
    /// Preconditions: `appliedZxid == tree.lastApplied`, not below the previous call's,
    /// and every event's zxid is above the previous call's `appliedZxid` and at most
    /// `appliedZxid`.
    public func record(events: [WatchEvent], appliedZxid: Zxid, tree: ZNodeTree) -> PendingDelivery {
        precondition(tree.lastApplied == appliedZxid, "published tree at \(tree.lastApplied), not \(appliedZxid)")
        let (ready, generation): ([AppliedWaiter], Int) = state.withLock { state in
            precondition(appliedZxid >= state.applied, "published \(appliedZxid) after \(state.applied)")
            if let last = events.last {
                precondition(last.zxid <= appliedZxid, "event \(last.zxid) after the applied \(appliedZxid)")
            }
            state.history.append(events)
            state.tree = tree
            state.applied = appliedZxid
            state.counters.eventsPublished += events.count
            state.undelivered += 1
            guard !state.appliedWaiters.isEmpty else { return ([], state.generation) }
            let ready = state.appliedWaiters.filter { $0.zxid <= appliedZxid }
            state.appliedWaiters.removeAll { $0.zxid <= appliedZxid }
            return (ready, state.generation)
        }
        for waiter in ready { waiter.finish(true) }
        return PendingDelivery(events: events, appliedZxid: appliedZxid, generation: generation)
    }

    /// Hands a recorded batch to its watchers, then sends their event loops one task
    /// each with the watchers' writes (see `LoopWakes`).
    public func deliver(_ pending: PendingDelivery) {
        let wakes: LoopWakes = state.withLock { state in
            var wakes = LoopWakes()
            guard pending.generation == state.generation else { return wakes }
            state.undelivered -= 1
            state.delivered = max(state.delivered, pending.appliedZxid)
            if state.index.count > 0 && !pending.events.isEmpty {
                Self.deliver(pending.events, appliedZxid: pending.appliedZxid, state: &state, wakes: &wakes)
            }
            if state.undelivered == 0 { state.lateJoiners.removeAll() }
            return wakes
        }
        wakes.run()
    }

    /// Hands each matching watcher its events of the batch, in order, in one offer.
    private static func deliver(
        _ events: [WatchEvent], appliedZxid: Zxid, state: inout HubState, wakes: inout LoopWakes
    ) {
        let lateJoiners = state.lateJoiners
        let isLate = { (sink: any WatchSink) in
            !lateJoiners.isEmpty && (lateJoiners[ObjectIdentifier(sink)].map { $0 >= appliedZxid } ?? false)
        }
        if events.count == 1 {
            // The common batch of one change: no grouping needed.
            let published = PublishedEvent(events[0])
            var leaving: [(any WatchSink, WatchOffer)] = []
            state.index.forEachWatcher(of: events[0]) { sink, _ in
                guard !isLate(sink) else { return }
                let outcome = sink.offer([published], appliedZxid: appliedZxid, wakes: &wakes)
                if outcome != .keep { leaving.append((sink, outcome)) }
            }
            for (sink, outcome) in leaving { remove(sink, outcome, state: &state) }
            return
        }
        var matched: [ObjectIdentifier: (sink: any WatchSink, events: [PublishedEvent])] = [:]
        for event in events {
            var published: PublishedEvent?
            state.index.forEachWatcher(of: event) { sink, _ in
                guard !isLate(sink) else { return }
                let shared = published ?? PublishedEvent(event)
                published = shared
                matched[ObjectIdentifier(sink), default: (sink, [])].events.append(shared)
            }
        }
        for (_, match) in matched {
            let outcome = match.sink.offer(match.events, appliedZxid: appliedZxid, wakes: &wakes)
            if outcome != .keep { remove(match.sink, outcome, state: &state) }
        }
    }

    /// Takes a sink that left after an offer out of the index, counting overflows.
    private static func remove(_ sink: any WatchSink, _ outcome: WatchOffer, state: inout HubState) {
        state.index.remove(sink)
        state.lateJoiners[ObjectIdentifier(sink)] = nil
        if outcome == .overflow { state.counters.overflows += 1 }
    }

    /// Starts over from `tree` (a member's start, or a snapshot installed from the
    /// leader): the history is emptied with its floor at the tree's zxid, and every
    /// watcher is ended (`WatchEndReason.reset`), since its stream would have a gap.
    public func reset(tree: ZNodeTree) {
        let (ended, applied): ([any WatchSink], Zxid) = state.withLock { state in
            state.history.reset(floor: tree.lastApplied)
            state.tree = tree
            state.applied = tree.lastApplied
            state.generation += 1
            state.undelivered = 0
            state.delivered = tree.lastApplied
            state.lateJoiners.removeAll()
            return (state.index.removeAll(), tree.lastApplied)
        }
        for sink in ended { sink.end(.reset, appliedZxid: applied) }
    }

    /// Ends every watcher and refuses new ones (the member is stopping). Idempotent.
    public func shutdown() {
        let (ended, waiters): ([(any WatchSink, Zxid)], [AppliedWaiter]) = state.withLock { state in
            state.closed = true
            let waiters = state.appliedWaiters
            state.appliedWaiters = []
            // Each sink is told the zxid it has every change through (see `remove`).
            let sinks = state.index.removeAll().map { ($0, state.completeZxid(of: $0)) }
            state.lateJoiners.removeAll()
            return (sinks, waiters)
        }
        for (sink, complete) in ended { sink.end(.shutdown, appliedZxid: complete) }
        for waiter in waiters { waiter.finish(false) }
    }

    // MARK: Reading the hub

    /// The zxid of the last published batch.
    public var appliedZxid: Zxid { state.withLock { $0.applied } }

    /// The number of watchers (SSE streams and long-polls) registered now.
    public var watcherCount: Int { state.withLock { $0.index.count } }

    /// The oldest `since` a watch can resume from: changes after it are all in the history.
    public var oldestResumableZxid: Zxid { state.withLock { $0.history.floor } }

    /// Numbers for metrics and tests.
    public var counters: WatchHubCounters {
        state.withLock { state in
            var counters = state.counters
            counters.watchers = state.index.count
            counters.historyEvents = state.history.count
            counters.historyBytes = state.history.bytes
            counters.oldestResumableZxid = state.history.floor
            counters.appliedZxid = state.applied
            return counters
        }
    }

    // MARK: Watchers

    /// Where a new watcher starts.
    enum Start: Sendable, Equatable {
        /// With the changes after the current applied zxid.
        case now
        /// With the changes after `since` (from the history, then live).
        case after(Zxid)
        /// With the current node or subtree, then the changes after it.
        case initial
    }

    /// What `register` did.
    enum Registration: Sendable, Equatable {
        /// Indexed: live changes after `startZxid` reach the sink.
        case started(startZxid: Zxid)
        /// The sink was satisfied by its replay and is not indexed.
        case satisfied(startZxid: Zxid)
        /// `since` is older than the history; changes after `oldest` are available.
        case compacted(oldest: Zxid)
        /// `since` is not applied here yet (applied is `applied`): wait, then retry.
        case notYetApplied(applied: Zxid)
        /// `Limits.watchersMax` watchers are registered already.
        case tooManyWatchers
        /// The hub was shut down.
        case closed
    }

    /// Registers `sink` for `filter` from `start`, atomically with respect to `publish`:
    /// `begin` gets the replay or snapshot up to the applied zxid, and every later change
    /// comes through `offer`.
    ///
    /// - Parameter replayLimit: the most history events handed to `begin` (cut at the end
    ///   of a zxid); long-polls use it to bound their answer.
    func register(_ sink: any WatchSink, filter: WatchFilter, start: Start, replayLimit: Int = .max) -> Registration {
        state.withLock { state in
            if state.closed { return .closed }
            guard state.index.count < limits.watchersMax else { return .tooManyWatchers }
            var replay: [WatchEvent] = []
            var snapshot: WatchSnapshot?
            let startZxid: Zxid
            switch start {
            case .now:
                startZxid = state.applied
            case .after(let since):
                if since > state.applied { return .notYetApplied(applied: state.applied) }
                if since < state.history.floor { return .compacted(oldest: state.history.floor) }
                replay = state.history.events(after: since, matching: filter, limit: replayLimit)
                startZxid = since
            case .initial:
                snapshot = WatchSnapshot(tree: state.tree, zxid: state.applied, filter: filter)
                startZxid = state.applied
            }
            guard sink.begin(initial: snapshot, replay: replay, startZxid: startZxid) else {
                return .satisfied(startZxid: startZxid)
            }
            state.index.insert(sink, filter: filter)
            if state.undelivered > 0 { state.lateJoiners[ObjectIdentifier(sink)] = state.applied }
            state.counters.watchersRegistered += 1
            return .started(startZxid: startZxid)
        }
    }

    /// Removes `sink` (its client went away, or its wait ended); returns the applied
    /// zxid when it was registered, nil when it was not (already removed or satisfied).
    @discardableResult
    func remove(_ sink: any WatchSink) -> Zxid? {
        state.withLock { state in
            // Not `applied`: batches recorded and not yet delivered are not in what this
            // sink got, and a long-poll resumes after the zxid answered here.
            let complete = state.completeZxid(of: sink)
            state.lateJoiners[ObjectIdentifier(sink)] = nil
            return state.index.remove(sink) ? complete : nil
        }
    }

    /// Waits until `zxid` is applied here, at most `timeoutMs`; returns whether it was.
    ///
    /// Why: a client resuming on a member that lags behind the one it left must not be
    /// told `since` is in the future, only made to wait until this member catches up.
    func waitUntilApplied(_ zxid: Zxid, timeoutMs: Int64) async -> Bool {
        let waiter = AppliedWaiter(zxid: zxid)
        let now: Bool? = state.withLock { state in
            if state.closed { return false }
            if state.applied >= zxid { return true }
            state.appliedWaiters.append(waiter)
            return nil
        }
        if let now { return now }
        let hub = self
        waiter.scheduleTimeout(afterMs: timeoutMs) {
            hub.state.withLock { state in state.appliedWaiters.removeAll { $0 === waiter } }
        }
        return await waiter.result()
    }
}

/// Numbers about a hub, for metrics and tests.
public struct WatchHubCounters: Sendable, Equatable {
    /// Watchers registered now.
    public var watchers = 0
    /// Watchers registered since start (indexed ones; satisfied long-polls not counted).
    public var watchersRegistered = 0
    /// Events published since start.
    public var eventsPublished = 0
    /// Streams ended because their consumer was too slow.
    public var overflows = 0
    /// Events in the history now.
    public var historyEvents = 0
    /// Bytes the history counts now.
    public var historyBytes = 0
    /// The oldest `since` a watch can resume from.
    public var oldestResumableZxid = Zxid.zero
    /// The zxid of the last published batch.
    public var appliedZxid = Zxid.zero
}

/// A batch `WatchHub.record` took in and its watchers have not been offered yet; give it
/// to `WatchHub.deliver`.
public struct PendingDelivery: Sendable {
    let events: [WatchEvent]
    let appliedZxid: Zxid
    let generation: Int
}
