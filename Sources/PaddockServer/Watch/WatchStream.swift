import NIOCore
import PaddockAPI
import Synchronization
import ZNodeTree

/// One Server-Sent Events watch: a watcher in the hub and the body of its HTTP response.
///
/// The hub hands it events on the apply thread (`offer`); it queues them and schedules
/// one drain on its connection's event loop, which writes while the connection is
/// writable and waits for `writable()` otherwise. So the connection's own buffer stays
/// under its high-water mark, and what waits here is bounded by
/// `Limits.watchBufferEventsMax`/`watchBufferBytesMax`: past them the stream ends with a
/// final `overflow` event naming the last zxid delivered, and leaves the hub.
///
/// What comes first (not counted in the buffer, written as the connection takes it):
/// the `initial` snapshot node by node, then its `synced` event, then the history replay.
/// Events of one zxid are written together; only the last of them carries `id: zxid`,
/// so a client that resumes with `Last-Event-ID` never skips part of an entry.
///
/// The state is shared by the apply thread and the event loop, hence the lock; it is
/// never held while writing to the connection (a write may call `writable()` back).
final class WatchStream: ResponseStream, WatchSink, Sendable {
    private let hub: WatchHub
    private let encoding: DataEncoding
    private let once: Bool
    fileprivate let state = Mutex(State())

    /// Why the stream ends, once it does.
    fileprivate enum Ending: Sendable {
        /// The one-shot event was delivered.
        case done
        /// The buffer overflowed or the member's state was reset: tell the client where to resume.
        case overflow(detail: String)
        /// The member is shutting down.
        case shutdown
    }

    fileprivate struct State: Sendable {
        var output: StreamOutput?
        var initial: InitialCursor?
        var replay: [WatchEvent] = []
        var replayNext = 0
        var live: [(event: PublishedEvent, isLastOfZxid: Bool)] = []
        var liveNext = 0
        var liveBytes = 0
        var ending: Ending?
        /// The zxid after which the client has every change it asked for; nil while an
        /// `initial` snapshot is not complete.
        var deliveredZxid: Zxid?
        var drainScheduled = false
        var draining = false
        var drainAgain = false
        var finished = false
        var stopped = false
        var heartbeat: RepeatedTask?

        var liveCount: Int { live.count - liveNext }
    }

    /// A stream for `hub` writing data in `encoding`; `once` ends it after one event.
    init(hub: WatchHub, encoding: DataEncoding, once: Bool) {
        self.hub = hub
        self.encoding = encoding
        self.once = once
    }

    // MARK: WatchSink (called under the hub's lock)

    func begin(initial: WatchSnapshot?, replay: [WatchEvent], startZxid: Zxid) -> Bool {
        state.withLock { state in
            if let initial {
                state.initial = InitialCursor(initial)
                state.deliveredZxid = nil
            } else {
                state.deliveredZxid = startZxid
            }
            if once, let first = replay.first {
                state.replay = [first]
                state.ending = .done
                return false
            }
            state.replay = replay
            return true
        }
    }

    func offer(_ events: [PublishedEvent], appliedZxid: Zxid, wakes: inout LoopWakes) -> WatchOffer {
        let (outcome, loop): (WatchOffer, (any EventLoop)?) = state.withLock { state in
            guard state.ending == nil, !state.stopped else { return (.remove, nil) }
            if once {
                state.live.append((events[0], true))
                state.ending = .done
                return (.remove, state.scheduleDrain())
            }
            let bytes = events.reduce(0) { $0 + $1.cost }
            if state.liveCount + events.count > hub.limits.watchBufferEventsMax
                || state.liveBytes + bytes > hub.limits.watchBufferBytesMax
            {
                state.dropPending()
                state.ending = .overflow(
                    detail: "the client read too slowly: more than \(hub.limits.watchBufferEventsMax) events or "
                        + "\(hub.limits.watchBufferBytesMax) bytes waited; resume after the zxid given")
                return (.overflow, state.scheduleDrain())
            }
            for (position, event) in events.enumerated() {
                let isLast = position == events.count - 1 || events[position + 1].event.zxid != event.event.zxid
                state.live.append((event, isLast))
            }
            state.liveBytes += bytes
            return (.keep, state.scheduleDrain())
        }
        if let loop { wakes.schedule(on: loop) { self.drain() } }
        return outcome
    }

    func end(_ reason: WatchEndReason, appliedZxid: Zxid) {
        let loop: (any EventLoop)? = state.withLock { state in
            guard state.ending == nil else { return nil }
            state.dropPending()
            switch reason {
            case .shutdown:
                state.ending = .shutdown
            case .reset:
                state.ending = .overflow(detail: "the member's state was replaced; resume after the zxid given")
            }
            return state.scheduleDrain()
        }
        loop?.execute { self.drain() }
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
            state.dropPending()
            let task = state.heartbeat
            state.heartbeat = nil
            return task
        }
        task?.cancel()
        hub.remove(self)
    }

    // MARK: Writing

    /// What the drain writes next.
    private enum Step {
        case write(ByteBuffer)
        case initialNode(path: ZNodePath, data: [UInt8], stat: Stat, zxid: Zxid)
        case final(ByteBuffer?)
        case wait
    }

    /// Writes what is queued while the connection takes it; at most `stepsMax` parts per
    /// turn of the loop, so one stream cannot starve the others on its loop.
    private func drain() {
        let stepsMax = 256
        let canRun: Bool = state.withLock { state in
            state.drainScheduled = false
            if state.draining {
                state.drainAgain = true
                return false
            }
            state.draining = true
            return true
        }
        guard canRun else { return }
        var steps = 0
        var wrote = false
        var output: StreamOutput?
        while true {
            let step: Step = state.withLock { state in
                output = state.output
                guard let output = state.output, !state.finished else { return .wait }
                guard steps < stepsMax else {
                    state.drainAgain = true
                    return .wait
                }
                guard output.isWritable else { return .wait }
                return nextStep(&state)
            }
            steps += 1
            switch step {
            case .write(let bytes):
                output?.write(bytes)
                wrote = true
            case .initialNode(let path, let data, let stat, let zxid):
                output?.write(WatchFrames.initial(path: path, data: data, stat: stat, zxid: zxid, encoding: encoding))
                wrote = true
            case .final(let frame):
                if let frame { output?.write(frame) }
                output?.finish()
                let task: RepeatedTask? = state.withLock { state in
                    state.draining = false
                    defer { state.heartbeat = nil }
                    return state.heartbeat
                }
                task?.cancel()
                hub.remove(self)
                return
            case .wait:
                if wrote { output?.flush() }
                let again: (any EventLoop)? = state.withLock { state in
                    state.draining = false
                    guard state.drainAgain else { return nil }
                    state.drainAgain = false
                    return state.output?.eventLoop
                }
                // Another turn of the loop, so other channels are served in between.
                again?.execute { self.drain() }
                return
            }
        }
    }

    /// The next part to write, taken from the state.
    private func nextStep(_ state: inout State) -> Step {
        if var cursor = state.initial {
            if let node = cursor.next() {
                state.initial = cursor
                return .initialNode(path: node.path, data: node.data, stat: node.stat, zxid: cursor.zxid)
            }
            state.initial = nil
            state.deliveredZxid = cursor.zxid
            return .write(WatchFrames.synced(zxid: cursor.zxid))
        }
        if state.replayNext < state.replay.count {
            let event = state.replay[state.replayNext]
            state.replayNext += 1
            let isLast = state.replayNext == state.replay.count || state.replay[state.replayNext].zxid != event.zxid
            if state.replayNext == state.replay.count {
                state.replay = []
                state.replayNext = 0
            }
            if isLast || once { state.deliveredZxid = event.zxid }
            return .write(WatchFrames.event(event, encoding: encoding, withID: isLast || once))
        }
        if state.liveNext < state.live.count {
            let (event, isLast) = state.live[state.liveNext]
            state.liveNext += 1
            state.liveBytes -= event.cost
            if state.liveNext == state.live.count {
                state.live = []
                state.liveNext = 0
            } else if state.liveNext > 1_024 && state.liveNext * 2 > state.live.count {
                state.live.removeFirst(state.liveNext)
                state.liveNext = 0
            }
            if isLast { state.deliveredZxid = event.event.zxid }
            return .write(event.bytes(encoding, withID: isLast))
        }
        guard let ending = state.ending else { return .wait }
        state.finished = true
        switch ending {
        case .done:
            return .final(nil)
        case .overflow(let detail):
            return .final(WatchFrames.overflow(lastZxid: state.deliveredZxid, detail: detail))
        case .shutdown:
            return .final(ByteBuffer(string: ": the member is shutting down\n\n"))
        }
    }

    /// Writes a heartbeat comment when the connection takes it.
    private func beat() {
        let output: StreamOutput? = state.withLock { state in
            guard !state.finished, !state.draining, let output = state.output, output.isWritable else { return nil }
            return output
        }
        guard let output else { return }
        output.write(WatchFrames.heartbeat)
        output.flush()
    }
}

extension WatchStream {
    /// The nodes of an `initial` snapshot, the watched node first, then (recursive) its
    /// subtree in pre-order, children sorted by name.
    struct InitialCursor: Sendable {
        let tree: ZNodeTree
        let zxid: Zxid
        let recursive: Bool
        /// The paths still to visit, the next one last.
        private var pending: [ZNodePath]

        init(_ snapshot: WatchSnapshot) {
            tree = snapshot.tree
            zxid = snapshot.zxid
            recursive = snapshot.filter.recursive
            pending = [snapshot.filter.path]
        }

        /// The next node, nil when all were given.
        mutating func next() -> (path: ZNodePath, data: [UInt8], stat: Stat)? {
            while let path = pending.popLast() {
                guard let node = tree.node(at: path) else { continue }
                if recursive, let names = tree.children(of: path) {
                    for name in names.reversed() { pending.append(path.appending(name)) }
                }
                return (path, node.data, node.stat)
            }
            return nil
        }
    }
}

extension WatchStream.State {
    /// Drops everything not written yet (the stream is ending).
    fileprivate mutating func dropPending() {
        initial = nil
        replay = []
        replayNext = 0
        live = []
        liveNext = 0
        liveBytes = 0
    }

    /// Marks a drain as scheduled; returns the loop to schedule it on, nil when one is
    /// pending already or the stream has no connection yet (`start` drains).
    fileprivate mutating func scheduleDrain() -> (any EventLoop)? {
        guard !drainScheduled, let output else { return nil }
        drainScheduled = true
        return output.eventLoop
    }
}
