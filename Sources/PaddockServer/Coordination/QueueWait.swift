import PaddockAPI
import ZNodeTree

/// Waiting for a contender's turn, herd-free: each waiter watches only the contender just
/// before it, and reads the queue again when that one changes or goes.
///
/// Why read again: the one before may leave while others before it remain (it gave up or
/// its session ended), so its deletion is no grant by itself; the waiter then watches its
/// new predecessor.
enum QueueWait {
    /// Where a contender stands, as of one zxid.
    struct Standing: Sendable {
        /// The queue, the head first.
        var entries: [QueueEntry]
        /// The contender's place: 0 holds (leads), K has K contenders ahead.
        var position: Int
        /// The applied zxid the queue was read at.
        var zxid: Zxid

        /// The contender.
        var entry: QueueEntry { entries[position] }
    }

    /// The standing of `key` in `queue`, waiting until it is the head or `deadline` passed.
    ///
    /// - Throws: `QueueFailure`: 410 `SessionExpired` when the contender is gone because its
    ///   session ended, 404 `NoNode` when it was released, the replica's operating errors,
    ///   503 when the member has no room for one more watcher.
    static func standing(
        of key: String, in queue: RecipeQueue, session: SessionID, until deadline: ContinuousClock.Instant,
        context: APIContext
    ) async throws(QueueFailure) -> Standing {
        let clock = ContinuousClock()
        while true {
            let view = try await QueueRead.view(context)
            let entries = queue.entries(in: view.tree)
            guard let position = entries.firstIndex(where: { $0.key == key }) else {
                if view.tree.session(session) == nil {
                    throw QueueFailure(response: .problem(
                        .sessionExpired, "session \(session) ended while it waited; its place \(key) is gone",
                        zxid: view.zxid))
                }
                throw QueueFailure(response: .problem(
                    .noNode, "\(key) left the \(queue.kind.noun) \(queue.name) while it waited",
                    path: queue.directory.appending(key).string, zxid: view.zxid))
            }
            let now = clock.now
            guard position > 0, now < deadline, let hub = context.watchHub else {
                return Standing(entries: entries, position: position, zxid: view.zxid)
            }
            let remaining = deadline - now
            let remainingMs = max(1, remaining.components.seconds * 1_000 + remaining.components.attoseconds / 1_000_000_000_000_000)
            let wake = QueueWake()
            // From the zxid read, so a change of the predecessor after the read is replayed.
            let start = min(view.zxid, hub.appliedZxid)
            let filter = WatchFilter(path: entries[position - 1].path, recursive: false)
            switch hub.register(wake, filter: filter, start: .after(start)) {
            case .started:
                wake.scheduleTimeout(afterMs: remainingMs) { hub.remove(wake) }
                await wake.result()
            case .satisfied, .compacted, .notYetApplied:
                continue  // Changed already (or history moved on): read again.
            case .tooManyWatchers:
                throw QueueFailure(response: .problem(ReplicaError(
                    code: .unavailable, message: "the member has as many watchers as it allows; retry shortly",
                    retryAfterSeconds: 1)))
            case .closed:
                throw QueueFailure(response: .problem(ReplicaError(
                    code: .shuttingDown, message: "the member is shutting down")))
            }
        }
    }
}

/// A one-time wake-up when a watched contender changes or goes; also ends at a deadline or
/// when the hub drops it.
final class QueueWake: WatchSink, Sendable {
    private let shot = OneShot<Void>()

    func begin(initial: WatchSnapshot?, replay: [WatchEvent], startZxid: Zxid) -> Bool {
        guard replay.isEmpty else {
            shot.finish(())
            return false
        }
        return true
    }

    func offer(_ events: [PublishedEvent], appliedZxid: Zxid, wakes: inout LoopWakes) -> WatchOffer {
        shot.finish(())
        return .remove
    }

    func end(_ reason: WatchEndReason, appliedZxid: Zxid) {
        shot.finish(())
    }

    /// After `afterMs`: `cleanup`, then the wake, unless it woke first.
    func scheduleTimeout(afterMs: Int64, cleanup: @escaping @Sendable () -> Void) {
        let shot = self.shot
        shot.scheduleTimeout(afterMs: afterMs) {
            cleanup()
            shot.finish(())
        }
    }

    /// Returns once woken.
    func result() async {
        await shot.result()
    }
}
