import NIOCore

/// Work that watch sinks ask to run on their connections' event loops while the hub
/// publishes one batch, sent as one task per loop once the batch is handed out.
///
/// Why: with one task per watcher, a change seen by 10,000 watchers cost 10,000
/// cross-thread submissions (each a lock on the loop's queue and often a wake-up) on the
/// member's apply thread, and the write's own answer waited behind them for hundreds of
/// milliseconds. Grouped, a batch costs one submission per event loop.
struct LoopWakes {
    private var groups: [ObjectIdentifier: (loop: any EventLoop, work: [@Sendable () -> Void])] = [:]

    /// Queues `work` to run on `loop` when `run()` is called.
    mutating func schedule(on loop: any EventLoop, _ work: @escaping @Sendable () -> Void) {
        groups[ObjectIdentifier(loop), default: (loop, [])].work.append(work)
    }

    /// Whether nothing is queued.
    var isEmpty: Bool { groups.isEmpty }

    /// Submits the queued work: one task per event loop, running its work in the order
    /// it was queued. Call it outside the hub's lock.
    func run() {
        for (_, group) in groups {
            let work = group.work
            group.loop.execute {
                for item in work { item() }
            }
        }
    }
}
