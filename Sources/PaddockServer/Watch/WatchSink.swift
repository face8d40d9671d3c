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
    func offer(_ events: [PublishedEvent], appliedZxid: Zxid) -> WatchOffer

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

/// One published event shared by all the watchers it matched, with its SSE frame built
/// once per encoding, on first use, whoever asks first.
final class PublishedEvent: Sendable {
    /// The change.
    let event: WatchEvent
    /// What the event counts for in a watcher's buffer (see `WatchHistory.cost`).
    let cost: Int
    private let frames = Mutex<(utf8: ByteBuffer?, base64: ByteBuffer?)>((nil, nil))

    init(_ event: WatchEvent) {
        self.event = event
        self.cost = WatchHistory.cost(event)
    }

    /// The `event:` and `data:` lines of the event in `encoding`.
    func frame(_ encoding: DataEncoding) -> ByteBuffer {
        frames.withLock { frames in
            switch encoding {
            case .utf8:
                if let frame = frames.utf8 { return frame }
                let frame = WatchFrames.sse(event, encoding: .utf8)
                frames.utf8 = frame
                return frame
            case .base64:
                if let frame = frames.base64 { return frame }
                let frame = WatchFrames.sse(event, encoding: .base64)
                frames.base64 = frame
                return frame
            }
        }
    }
}
