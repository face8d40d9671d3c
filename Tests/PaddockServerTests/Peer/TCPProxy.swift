import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy on 127.0.0.1 for tests that need a network fault between two endpoints.
///
/// Each accepted connection is paired with a fresh connection to the target and bytes
/// are copied both ways. `cut()` turns the proxy into a black hole, the way a partition
/// looks to TCP: connections stay open, new ones are still accepted, but no byte crosses
/// in either direction. `heal()` closes every connection that lived through the cut (as a
/// partition that outlasts TCP's patience does) and forwards new connections again.
final class TCPProxy: Sendable {
    /// The port the proxy listens on.
    let port: Int

    private let listener: any Channel
    private let shared: TCPProxyState

    private init(listener: any Channel, shared: TCPProxyState) {
        self.listener = listener
        self.port = listener.localAddress!.port!
        self.shared = shared
    }

    /// Starts a proxy on 127.0.0.1 (port picked by the system) forwarding to `target`.
    /// - Throws: NIO's error when the listener cannot be bound.
    static func start(
        target: (host: String, port: Int), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> TCPProxy {
        let shared = TCPProxyState()
        let (host, port) = target
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { client in
                let pair = TCPProxyPair(client: client)
                switch shared.register(pair) {
                case .closed:
                    return client.close()
                case .blackholed:
                    return client.eventLoop.makeCompletedFuture {
                        try client.pipeline.syncOperations.addHandler(TCPProxyForwarder(partner: nil, pair: pair, shared: shared))
                    }
                case .forwarding:
                    return ClientBootstrap(group: client.eventLoop)
                        .channelOption(.socketOption(.tcp_nodelay), value: 1)
                        .channelInitializer { upstream in
                            upstream.eventLoop.makeCompletedFuture {
                                try upstream.pipeline.syncOperations.addHandler(
                                    TCPProxyForwarder(partner: client, pair: pair, shared: shared))
                            }
                        }
                        .connect(host: host, port: port)
                        .flatMapThrowing { upstream in
                            pair.setUpstream(upstream)
                            try client.pipeline.syncOperations.addHandler(
                                TCPProxyForwarder(partner: upstream, pair: pair, shared: shared))
                        }
                        .flatMapError { _ in client.close() }
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TCPProxy(listener: listener, shared: shared)
    }

    /// Black-holes the link: from now on no byte crosses on any connection, old or new.
    func cut() { shared.cut() }

    /// Forwards again: closes the connections that lived through the cut, so the endpoints
    /// notice and reconnect through the proxy.
    func heal() {
        for pair in shared.heal() { pair.closeBoth() }
    }

    /// Bytes swallowed by the black hole so far.
    var blackholedBytes: Int { shared.blackholedBytes }

    /// Connections currently open through the proxy (forwarding or black-holed).
    var connectionCount: Int { shared.connectionCount }

    /// Stops listening and closes every connection.
    func close() async {
        let pairs = shared.close()
        try? await listener.close()
        for pair in pairs { pair.closeBoth() }
    }
}

/// One accepted connection and the connection to the target made for it.
final class TCPProxyPair: Sendable {
    let client: any Channel
    private let upstream = Mutex<(any Channel)?>(nil)
    private let blackholed = Atomic<Bool>(false)

    init(client: any Channel) { self.client = client }

    var isBlackholed: Bool { blackholed.load(ordering: .acquiring) }

    func blackhole() { blackholed.store(true, ordering: .releasing) }

    func setUpstream(_ channel: any Channel) { upstream.withLock { $0 = channel } }

    func closeBoth() {
        client.close(promise: nil)
        upstream.withLock { $0 }?.close(promise: nil)
    }
}

/// The proxy's mode and its live connections, shared with the accept path.
final class TCPProxyState: Sendable {
    enum Admission { case forwarding, blackholed, closed }

    private struct State {
        var isCut = false
        var isClosed = false
        var pairs: [ObjectIdentifier: TCPProxyPair] = [:]
        var blackholedBytes = 0
    }

    private let state = Mutex(State())

    func register(_ pair: TCPProxyPair) -> Admission {
        let key = ObjectIdentifier(pair)
        let admission: Admission = state.withLock { state in
            if state.isClosed { return .closed }
            state.pairs[key] = pair
            if state.isCut { pair.blackhole() }
            return state.isCut ? .blackholed : .forwarding
        }
        if admission != .closed {
            pair.client.closeFuture.whenComplete { _ in self.state.withLock { _ = $0.pairs.removeValue(forKey: key) } }
        }
        return admission
    }

    func cut() {
        state.withLock { state in
            state.isCut = true
            for pair in state.pairs.values { pair.blackhole() }
        }
    }

    func heal() -> [TCPProxyPair] {
        state.withLock { state in
            state.isCut = false
            return state.pairs.values.filter(\.isBlackholed)
        }
    }

    func close() -> [TCPProxyPair] {
        state.withLock { state in
            state.isClosed = true
            return Array(state.pairs.values)
        }
    }

    func swallowed(_ byteCount: Int) { state.withLock { $0.blackholedBytes += byteCount } }

    var blackholedBytes: Int { state.withLock { $0.blackholedBytes } }

    var connectionCount: Int { state.withLock { $0.pairs.count } }
}

/// Copies bytes read on one side of a pair to the other, unless the pair is black-holed;
/// closing either side closes both.
final class TCPProxyForwarder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let partner: (any Channel)?
    private let pair: TCPProxyPair
    private let shared: TCPProxyState

    init(partner: (any Channel)?, pair: TCPProxyPair, shared: TCPProxyState) {
        self.partner = partner
        self.pair = pair
        self.shared = shared
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        guard let partner, !pair.isBlackholed else {
            shared.swallowed(buffer.readableBytes)
            return
        }
        partner.writeAndFlush(buffer, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pair.closeBoth()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        pair.closeBoth()
    }
}
