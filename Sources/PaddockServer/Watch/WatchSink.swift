import NIOCore
import PaddockAPI
import Synchronization
import ZNodeTree

/// What receives one watcher's events: an SSE stream or a long-poll.
///
/// The hub calls every method under its own lock, so a sink sees `begin` first and then
/// every `offer` in zxid order, and must never call back into the hub from them. Lock
/// order: hub, then sink.
protocol WatchSink: AnyObject, Sendable {
    /// Starts the watcher, once, at registration: `initial` is the snapshot to send first
    /// (nil unless asked for), `replay` the history events after `since` that match.
    ///
    /// Returns false when the sink needs nothing more (a one-shot or a long-poll answered
    /// from `replay`): the hub then does not index it.
    func begin(initial: WatchSnapshot?, replay: [WatchEvent], startZxid: Zxid) -> Bool

    /// The matching events of one applied batch, in order, as of `appliedZxid`.
    ///
    /// Says whether the watcher stays in the hub.
    /// Work for an event loop goes into `wakes` (sent once the whole batch is handed
    /// out), not straight to the loop.
    func offer(_ events: [PublishedEvent], appliedZxid: Zxid, wakes: inout LoopWakes) -> WatchOffer

    /// The hub dropped the watcher (it is already out of the index): `reason` says why.
    func end(_ reason: WatchEndReason, appliedZxid: Zxid)
}

/// What a watcher wants after an offer.
enum WatchOffer: Sendable, Equatable {
    /// Stay registered.
    case keep
    /// Leave the hub: done (one-shot delivered, long-poll answered).
    case remove
    /// Leave the hub: the consumer is too slow and its stream ends with `overflow`.
    case overflow
}

/// Why the hub ended a watcher on its own.
enum WatchEndReason: Sendable, Equatable {
    /// The member is shutting down.
    case shutdown
    /// The member's state was replaced (a snapshot installed): the history restarts, so
    /// the stream cannot go on without a gap.
    case reset
}

/// The current node or subtree as of one zxid, sent before the changes after it.
struct WatchSnapshot: Sendable {
    /// The tree as of `zxid`.
    var tree: ZNodeTree
    /// The zxid the snapshot reflects; changes after it follow.
    var zxid: Zxid
    /// Which nodes to send: the watched node, or with `recursive` its whole subtree.
    var filter: WatchFilter
}

/// One published event shared by all the watchers it matched, with its SSE bytes built
/// once per encoding and ending, on first use, whoever asks first.
///
/// Why: with thousands of watchers of one node, encoding the event once instead of once
/// per watcher is most of the cost of a publish.
final class PublishedEvent: Sendable {
    /// The change.
    let event: WatchEvent
    /// What the event counts for in a watcher's buffer (see `WatchHistory.cost`).
    let cost: Int
    /// Complete events by `slot(encoding, withID)`.
    private let encoded = Mutex<[ByteBuffer?]>([nil, nil, nil, nil])

    init(_ event: WatchEvent) {
        self.event = event
        self.cost = WatchHistory.cost(event)
    }

    /// The complete SSE event in `encoding`, ending with `id: <zxid>` and the blank line
    /// when `withID`, else with the blank line only.
    func bytes(_ encoding: DataEncoding, withID: Bool) -> ByteBuffer {
        let slot = (encoding == .utf8 ? 0 : 2) + (withID ? 1 : 0)
        return encoded.withLock { encoded in
            if let bytes = encoded[slot] { return bytes }
            let bytes = WatchFrames.event(event, encoding: encoding, withID: withID)
            encoded[slot] = bytes
            return bytes
        }
    }
}
