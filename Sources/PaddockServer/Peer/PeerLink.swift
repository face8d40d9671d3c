import PaddockAPI
import Logging
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The one outbound connection to one peer: dials, says hello, writes frames in order,
/// and dials again with backoff when the connection fails or drops.
///
/// Frames are queued as encoded bytes and written by a drain task on the link's event
/// loop: every frame queued before the drain runs goes out in one write and one flush, so
/// a burst of replication traffic costs one syscall, not one per frame.
///
/// Frames are accepted before the first dial, while dialing and while connected, up to
/// `outboundQueueBytesMax` bytes queued or written but not yet sent; otherwise (while
/// waiting out a backoff, or past the limit) they are dropped, and Raft resends. The
/// queue is dropped with the connection, so frames never skip ahead of the hello of a new
/// connection, and on one connection they stay in the order they were queued.
final class PeerLink: Sendable {
    /// The peer.
    let name: MemberName
    /// Where the peer listens (`host:port`).
    let address: String

    private let eventLoop: any EventLoop
    private let configuration: PeerTransport.Configuration
    private let helloFrame: [UInt8]
    private let logger: Logger
    private let state: Mutex<State>

    private enum Phase {
        /// Created, not dialing yet.
        case idle
        /// A dial (attempt `generation`) is in progress; its future once the dial has begun.
        case dialing((EventLoopFuture<any Channel>)?)
        /// Connected; the hello has been written first.
        case connected(any Channel)
        /// Waiting out the backoff before the next dial.
        case waiting(Scheduled<Void>)
        /// Closed for good.
        case closed
    }

    private struct State {
        var phase: Phase = .idle
        /// Encoded frames not yet handed to the channel.
        var pending: [UInt8] = []
        /// Bytes handed to the channel whose write has not completed.
        var inFlightBytes = 0
        /// Whether a drain task is scheduled on the event loop.
        var drainScheduled = false
        /// Counts dials, so late callbacks of an earlier connection are ignored.
        var generation: UInt64 = 0
        /// When the current connection was made.
        var connectedAt: NIODeadline?
        var backoff: ReconnectBackoff
        /// Frames dropped since the last log line about them.
        var droppedFrames = 0
        /// Whether frames are being dropped for a full queue; logged once per episode.
        var isShedding = false
        var generator = SystemRandomNumberGenerator()
    }

    /// A link, not dialing until `start()`.
    init(name: MemberName, address: String, eventLoop: any EventLoop, configuration: PeerTransport.Configuration, logger: Logger) {
        self.name = name
        self.address = address
        self.eventLoop = eventLoop
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "peer.name"] = "\(name)"
        logger[metadataKey: "peer.address"] = "\(address)"
        self.logger = logger
        self.helloFrame = PeerCodec.encode(
            .hello(PeerHello(clusterID: configuration.clusterID, name: configuration.selfName, httpAddress: configuration.httpAddress)))
        self.state = Mutex(
            State(backoff: ReconnectBackoff(minMs: configuration.reconnectBackoffMinMs, maxMs: configuration.reconnectBackoffMaxMs)))
    }

    /// Starts dialing.
    func start() {
        eventLoop.execute { self.dial() }
    }

    /// Queues encoded frames (whole frames, length prefixes included) for the peer.
    ///
    /// Never blocks. Returns false when they were dropped: no connection is being made or
    /// the queue is full.
    @discardableResult
    func enqueue(_ frames: [UInt8], frameCount: Int) -> Bool {
        let outcome: (accepted: Bool, scheduleDrain: Bool, startsShedding: Bool) = state.withLock { state in
            switch state.phase {
            case .idle, .dialing, .connected:
                break
            case .waiting, .closed:
                state.droppedFrames += frameCount
                return (false, false, false)
            }
            guard state.pending.count + state.inFlightBytes + frames.count <= configuration.outboundQueueBytesMax else {
                state.droppedFrames += frameCount
                defer { state.isShedding = true }
                return (false, false, !state.isShedding)
            }
            state.isShedding = false
            if state.pending.isEmpty {
                state.pending = frames  // takes the buffer over instead of copying it
            } else {
                state.pending.append(contentsOf: frames)
            }
            guard case .connected = state.phase, !state.drainScheduled else { return (true, false, false) }
            state.drainScheduled = true
            return (true, true, false)
        }
        if outcome.scheduleDrain { eventLoop.execute { self.drain() } }
        if outcome.startsShedding {
            logger.warning("peer is not keeping up: its queue is at outboundQueueBytesMax and frames are dropped")
        }
        return outcome.accepted
    }

    /// Closes the link for good; completes when its connection is closed.
    func close() -> EventLoopFuture<Void> {
        let previous: Phase = state.withLock { state in
            defer {
                state.phase = .closed
                state.pending = []
            }
            return state.phase
        }
        switch previous {
        case .connected(let channel):
            return channel.close().recover { _ in }
        case .waiting(let task):
            task.cancel()
        case .dialing(let dial?):
            // The dial's own callback closes the channel too; this waits for it.
            return dial.flatMap { $0.close().recover { _ in } }.recover { _ in }
        case .idle, .dialing(nil), .closed:
            break
        }
        return eventLoop.makeSucceededVoidFuture()
    }

    // MARK: On the event loop

    private func dial() {
        eventLoop.preconditionInEventLoop()
        let generation: UInt64? = state.withLock { state in
            switch state.phase {
            case .closed, .connected, .dialing:
                return nil
            case .idle, .waiting:
                state.phase = .dialing(nil)
                state.generation += 1
                return state.generation
            }
        }
        guard let generation else { return }
        guard let target = try? PeerAddress(parsing: address) else {
            if state.withLock({ $0.backoff.failures == 0 }) { logger.error("peer address is not host:port; cannot dial") }
            retry(after: generation)
            return
        }
        let dial = Self.bootstrap(on: eventLoop, configuration: configuration)
            .connect(host: target.host, port: target.port)
        state.withLock { state in
            if state.generation == generation, case .dialing = state.phase { state.phase = .dialing(dial) }
        }
        dial.whenComplete { result in
            switch result {
            case .success(let channel):
                self.connected(channel, generation: generation)
            case .failure(let error):
                self.failed(error, generation: generation)
            }
        }
    }

    /// The dialing bootstrap: no Nagle delay, keepalive, the connect timeout, and on Linux
    /// `TCP_USER_TIMEOUT`, so a connection whose written bytes stay unacknowledged for
    /// `sendStallTimeoutMs` (a peer gone without a reset) is dropped and redialed instead
    /// of queueing until TCP's own retransmission limit, many minutes later.
    static func bootstrap(on eventLoop: any EventLoop, configuration: PeerTransport.Configuration) -> ClientBootstrap {
        let bootstrap = ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .connectTimeout(.milliseconds(configuration.connectTimeoutMs))
        #if os(Linux)
        let userTimeout = ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: CInt(TCP_USER_TIMEOUT)))
        return bootstrap.channelOption(userTimeout, value: Int(configuration.sendStallTimeoutMs))
        #else
        return bootstrap
        #endif
    }

    private func failed(_ error: any Error, generation: UInt64) {
        // The first failure of a streak is worth an operator's attention; the retries are not.
        if state.withLock({ $0.backoff.failures == 0 }) {
            logger.info("peer unreachable; dialing again with backoff: \(error)")
        } else {
            logger.debug("dialing peer failed: \(error)")
        }
        retry(after: generation)
    }

    private func connected(_ channel: any Channel, generation: UInt64) {
        let (first, afterFailures): ([UInt8]?, Int) = state.withLock { state in
            guard state.generation == generation, case .dialing = state.phase else { return (nil, 0) }
            state.phase = .connected(channel)
            state.connectedAt = .now()
            var first = helloFrame
            first.append(contentsOf: state.pending)
            state.pending = []
            state.inFlightBytes += first.count
            return (first, state.backoff.failures)
        }
        guard let first else {
            channel.close(promise: nil)
            return
        }
        // Debug only: a peer that accepts and then refuses (another cluster) would log
        // this once per backoff period.
        logger.debug("connected to peer", metadata: ["failedAttempts": "\(afterFailures)"])
        channel.closeFuture.whenComplete { _ in self.disconnected(generation: generation) }
        write(first, to: channel)
    }

    private func drain() {
        let work: (channel: any Channel, bytes: [UInt8])? = state.withLock { state in
            state.drainScheduled = false
            guard case .connected(let channel) = state.phase, !state.pending.isEmpty else { return nil }
            var bytes: [UInt8] = []
            swap(&bytes, &state.pending)
            state.inFlightBytes += bytes.count
            return (channel, bytes)
        }
        guard let work else { return }
        write(work.bytes, to: work.channel)
    }

    private func write(_ bytes: [UInt8], to channel: any Channel) {
        let buffer = channel.allocator.buffer(bytes: bytes)
        let count = bytes.count
        // Every write completes (sent, or failed with the connection), so the in-flight
        // count returns to zero without tracking connections.
        channel.writeAndFlush(buffer).whenComplete { _ in
            self.state.withLock { state in
                state.inFlightBytes -= count
                precondition(state.inFlightBytes >= 0, "in-flight bytes \(state.inFlightBytes) after completing \(count)")
            }
        }
    }

    private func disconnected(generation: UInt64) {
        let (wasUp, firstOfStreak): (Bool, Bool) = state.withLock { state in
            guard state.generation == generation, case .connected = state.phase else { return (false, false) }
            state.pending = []
            if let connectedAt = state.connectedAt,
                NIODeadline.now() - connectedAt >= .milliseconds(configuration.reconnectBackoffMaxMs)
            {
                state.backoff.reset()
            }
            state.connectedAt = nil
            return (true, state.backoff.failures == 0)
        }
        guard wasUp else { return }
        // A connection that stayed up is news; one the peer closes at once, again and
        // again (another cluster, say), is logged once per streak.
        if firstOfStreak {
            logger.info("connection to peer lost; dialing again")
        } else {
            logger.debug("connection to peer lost again")
        }
        retry(after: generation)
    }

    private func retry(after generation: UInt64) {
        let dropped: Int = state.withLock { state in
            guard state.generation == generation else { return 0 }
            switch state.phase {
            case .closed, .idle, .waiting:
                return 0
            case .dialing, .connected:
                break
            }
            state.pending = []
            let delayMs = state.backoff.nextDelayMs(using: &state.generator)
            state.phase = .waiting(eventLoop.scheduleTask(in: .milliseconds(delayMs)) { self.dial() })
            defer { state.droppedFrames = 0 }
            return state.droppedFrames
        }
        if dropped > 0 { logger.debug("dropped \(dropped) frames for an unreachable peer") }
    }
}
