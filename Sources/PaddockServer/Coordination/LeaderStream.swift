import NIOCore
import PaddockAPI
import Synchronization
import ZNodeTree

/// `GET /v1/elections/{name}/observe`: a Server-Sent Events stream of an election's
/// leaders, one `leader` event each time the leader or its value changes, and
/// `no-leader` when the election has no candidate.
///
/// It is a recursive watcher of the election's directory in the hub, started from the
/// hub's current tree, and keeps the candidates itself from the created, changed and
/// deleted events; so it needs no read of its own and sees each change in zxid order.
///
/// A slow client: at most `pendingMax` events wait here; past that the oldest are
/// dropped, never the newest, so an observer may miss a leader that lasted a moment but
/// always ends up with the current one.
final class LeaderStream: ResponseStream, WatchSink, Sendable {
    /// The most events waiting for the connection.
    static let pendingMax = 64

    private let hub: WatchHub
    private let queue: RecipeQueue
    private let state = Mutex(State())

    private struct Candidate: Sendable {
        var stat: Stat
        var data: [UInt8]
    }

    private struct State: Sendable {
        var candidates: [String: Candidate] = [:]
        /// What was announced last: (key, token, value), or nil for "no leader".
        var announced: (key: String, token: Zxid, value: [UInt8])??
        var pending: [ByteBuffer] = []
        var output: StreamOutput?
        var drainScheduled = false
        var ending: String?
        var finished = false
        var stopped = false
        var heartbeat: RepeatedTask?
    }

    /// A stream of `queue`'s leaders (an election).
    init(hub: WatchHub, queue: RecipeQueue) {
        self.hub = hub
        self.queue = queue
    }

    // MARK: WatchSink (called under the hub's lock)

    func begin(initial: WatchSnapshot?, replay: [WatchEvent], startZxid: Zxid) -> Bool {
        precondition(initial != nil, "a leader stream starts from the current tree")
        state.withLock { state in
            if let tree = initial?.tree {
                for entry in queue.entries(in: tree) {
                    state.candidates[entry.key] = Candidate(stat: entry.stat, data: entry.data)
                }
            }
            announce(&state, zxid: startZxid)
        }
        return true
    }

    func offer(_ events: [PublishedEvent], appliedZxid: Zxid, wakes: inout LoopWakes) -> WatchOffer {
        let loop: (any EventLoop)? = state.withLock { state in
            guard state.ending == nil, !state.stopped else { return nil }
            for published in events {
                let event = published.event
                guard event.path.parent == queue.directory else { continue }
                switch event.type {
                case .created, .changed:
                    if let stat = event.stat { state.candidates[event.path.name] = Candidate(stat: stat, data: event.data ?? []) }
                case .deleted:
                    state.candidates[event.path.name] = nil
                case .childrenChanged:
                    break
                }
            }
            announce(&state, zxid: appliedZxid)
            return scheduleDrain(&state)
        }
        if let loop { wakes.schedule(on: loop) { self.drain() } }
        return state.withLock { $0.stopped } ? .remove : .keep
    }

    func end(_ reason: WatchEndReason, appliedZxid: Zxid) {
        let loop: (any EventLoop)? = state.withLock { state in
            guard state.ending == nil else { return nil }
            switch reason {
            case .shutdown: state.ending = ": the member is shutting down\n\n"
            case .reset: state.ending = ": the member's state was replaced; observe again\n\n"
            }
            return scheduleDrain(&state)
        }
        loop?.execute { self.drain() }
    }

    /// Queues a `leader` or `no-leader` event when the head differs from the last one announced.
    private func announce(_ state: inout State, zxid: Zxid) {
        let head = state.candidates.min { lhs, rhs in
            lhs.value.stat.czxid != rhs.value.stat.czxid
                ? lhs.value.stat.czxid < rhs.value.stat.czxid
                : lhs.key.utf8.lexicographicallyPrecedes(rhs.key.utf8)
        }
        var writer = JSONWriter(capacity: 160)
        writer.beginObject()
        let type: String
        if let head {
            if case .some(.some(let last)) = state.announced, last.key == head.key, last.token == head.value.stat.czxid,
                last.value == head.value.data
            {
                return
            }
            state.announced = .some((head.key, head.value.stat.czxid, head.value.data))
            type = "leader"
            writer.key("key"); writer.string(head.key)
            writer.key("session")
            if let owner = head.value.stat.ephemeralOwner { writer.string(owner.description) } else { writer.null() }
            writer.key("token"); writer.number(head.value.stat.czxid.rawValue)
            RecipeRequest.writeValue(head.value.data, to: &writer)
        } else {
            if case .some(.none) = state.announced { return }
            state.announced = .some(nil)
            type = "no-leader"
        }
        writer.key("zxid"); writer.number(zxid.rawValue)
        writer.endObject()
        var frame = WatchFrames.frame(type: type, json: writer.bytes)
        frame.writeString("\n")
        if state.pending.count >= Self.pendingMax { state.pending.removeFirst() }
        state.pending.append(frame)
    }

    private func scheduleDrain(_ state: inout State) -> (any EventLoop)? {
        guard !state.drainScheduled, let output = state.output else { return nil }
        state.drainScheduled = true
        return output.eventLoop
    }

    // MARK: ResponseStream (called on the event loop)

    func start(_ output: StreamOutput) {
        let heartbeatMs = hub.limits.watchHeartbeatMs
        let task = output.eventLoop.scheduleRepeatedTask(
            initialDelay: .milliseconds(heartbeatMs), delay: .milliseconds(heartbeatMs)
        ) { [self] _ in self.beat() }
        let alreadyStopped = state.withLock { state in
            state.output = output
            state.heartbeat = task
            return state.stopped
        }
        if alreadyStopped { task.cancel() }
        drain()
    }

    func writable() {
        drain()
    }

    func stop() {
        let task: RepeatedTask? = state.withLock { state in
            state.stopped = true
            state.output = nil
            state.pending = []
            defer { state.heartbeat = nil }
            return state.heartbeat
        }
        task?.cancel()
        hub.remove(self)
    }

    /// Writes what waits while the connection takes it; ends the stream after its ending.
    private func drain() {
        let (output, parts, ending): (StreamOutput?, [ByteBuffer], String?) = state.withLock { state in
            state.drainScheduled = false
            guard let output = state.output, !state.finished else { return (nil, [], nil) }
            guard output.isWritable else { return (output, [], nil) }
            let parts = state.pending
            state.pending = []
            guard let ending = state.ending else { return (output, parts, nil) }
            state.finished = true
            return (output, parts, ending)
        }
        guard let output else { return }
        for part in parts { output.write(part) }
        if let ending {
            output.write(ByteBuffer(string: ending))
            output.finish()
            let task: RepeatedTask? = state.withLock { state in
                defer { state.heartbeat = nil }
                return state.heartbeat
            }
            task?.cancel()
            hub.remove(self)
            return
        }
        if !parts.isEmpty { output.flush() }
    }

    /// Writes a heartbeat comment when the connection takes it.
    private func beat() {
        let output: StreamOutput? = state.withLock { state in
            guard !state.finished, let output = state.output, output.isWritable else { return nil }
            return output
        }
        guard let output else { return }
        output.write(WatchFrames.heartbeat)
        output.flush()
    }
}
