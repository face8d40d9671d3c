import NIOCore
import NIOPosix
import Synchronization

/// A TCP relay in front of a member whose first connection's answers are held back.
///
/// Requests go through at once, so the member applies them; the bytes coming back on the
/// first connection are delayed by `firstAnswerDelayMs`. A client with a shorter timeout
/// therefore gives up on a write that was applied, and retries on a new connection.
final class DelayingProxy: Sendable {
    let port: Int
    private let channel: any Channel
    private let accepted: Counter

    /// How many connections were accepted so far.
    var connectionCount: Int { accepted.count.load(ordering: .relaxed) }

    private init(channel: any Channel, accepted: Counter) {
        self.channel = channel
        self.port = channel.localAddress!.port!
        self.accepted = accepted
    }

    /// Listens on 127.0.0.1 (a free port) and relays to `127.0.0.1:backendPort`.
    static func start(backendPort: Int, firstAnswerDelayMs: Int64) async throws -> DelayingProxy {
        let counter = Counter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                let delayMs = counter.next() == 0 ? firstAnswerDelayMs : 0
                return inbound.eventLoop.makeCompletedFuture {
                    try inbound.pipeline.syncOperations.addHandler(FrontRelay(backendPort: backendPort, delayMs: delayMs))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return DelayingProxy(channel: channel, accepted: counter)
    }

    /// Stops listening.
    func close() async {
        try? await channel.close()
    }

    /// Hands out connection indexes.
    final class Counter: Sendable {
        let count = Atomic<Int>(0)
        func next() -> Int { count.add(1, ordering: .relaxed).oldValue }
    }
}

/// The client side of one relayed connection: connects to the backend when it becomes
/// active, holds what the client sends until then, and forwards it.
private final class FrontRelay: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let backendPort: Int
    let delayMs: Int64
    private var backend: (any Channel)?
    private var pending: [ByteBuffer] = []
    private var isClosed = false

    init(backendPort: Int, delayMs: Int64) {
        self.backendPort = backendPort
        self.delayMs = delayMs
    }

    func channelActive(context: ChannelHandlerContext) {
        let inbound = context.channel
        let delayMs = self.delayMs
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .channelInitializer { outbound in
                outbound.eventLoop.makeCompletedFuture {
                    try outbound.pipeline.syncOperations.addHandler(BackRelay(client: inbound, delayMs: delayMs))
                }
            }
            .connect(host: "127.0.0.1", port: backendPort)
            .whenComplete { result in
                let relay = bound.value
                switch result {
                case .success(let outbound):
                    relay.backend = outbound
                    for buffer in relay.pending { outbound.write(buffer, promise: nil) }
                    outbound.flush()
                    relay.pending.removeAll()
                    if relay.isClosed { outbound.close(promise: nil) }
                case .failure:
                    inbound.close(promise: nil)
                }
            }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if let backend {
            backend.writeAndFlush(buffer, promise: nil)
        } else {
            pending.append(buffer)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        isClosed = true
        backend?.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// The backend side of one relayed connection: forwards the answers to the client after
/// `delayMs`, and closes the client's connection (after the same delay) when it closes.
private final class BackRelay: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let client: any Channel
    let delayMs: Int64

    init(client: any Channel, delayMs: Int64) {
        self.client = client
        self.delayMs = delayMs
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let client = self.client
        context.eventLoop.scheduleTask(in: .milliseconds(delayMs)) {
            client.writeAndFlush(buffer, promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let client = self.client
        context.eventLoop.scheduleTask(in: .milliseconds(delayMs)) { client.close(promise: nil) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
