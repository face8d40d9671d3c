import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import ZNodeTree

/// The Paddock HTTP/1.1 server: binds a host and port and serves the API of a replica.
///
/// Start it with `PaddockHTTPServer.start(host:port:replica:limits:)`; port 0 picks a free
/// port, reported by `port`. Each connection gets a decoder with the header limits, the
/// pipelining handler (responses in request order), an idle timer and the API handler.
/// Connections past `Limits.connectionsMax` get one 503 and are closed.
public final class PaddockHTTPServer: Sendable {
    /// The address the server listens on.
    public let localAddress: SocketAddress
    /// The bound port (the one picked by the system when 0 was asked for).
    public let port: Int

    private let channel: any Channel
    private let gate: ConnectionGate
    private let drainTimeoutMs: Int64

    private init(channel: any Channel, gate: ConnectionGate, drainTimeoutMs: Int64) {
        self.channel = channel
        self.gate = gate
        self.drainTimeoutMs = drainTimeoutMs
        self.localAddress = channel.localAddress!
        self.port = channel.localAddress!.port!
    }

    /// Binds `host:port` and starts serving `replica`'s API.
    ///
    /// - Parameters:
    ///   - cluster: membership and leadership of a replicated member (nil: a single node).
    ///   - watchHub: the hub `/v1/watch` serves from (nil: the replica's own, when it is a
    ///     `WatchHubProviding`).
    ///   - metrics: the member's metrics, served at `/metrics` and fed with request
    ///     durations and connections (default: a fresh registry for this server).
    ///   - group: the event loops to serve on (default: NIO's shared singleton group, one
    ///     loop per core).
    /// - Throws: `LimitsError` for inconsistent limits; NIO's socket errors when the
    ///   address cannot be bound.
    public static func start(
        host: String, port: Int, replica: any ReplicaService, limits: Limits = .default,
        cluster: (any ClusterControl)? = nil,
        metrics: PaddockMetrics = PaddockMetrics(),
        watchHub: WatchHub? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> PaddockHTTPServer {
        try limits.validate()
        let responder = APIResponder(
            context: APIContext(replica: replica, limits: limits, cluster: cluster, metrics: metrics, watchHub: watchHub))
        let gate = ConnectionGate(connectionsMax: limits.connectionsMax)
        let decoderLimits = {
            var configuration = NIOHTTPDecoderLimitConfiguration()
            configuration.maxHeaderFieldSize = max(limits.requestLineBytesMax, limits.requestHeaderBytesMax)
            configuration.maxHeaderListSize = limits.requestLineBytesMax + limits.requestHeaderBytesMax
            return configuration
        }()
        let idleTimeout = TimeAmount.milliseconds(limits.idleTimeoutMs)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    switch gate.admit(channel) {
                    case .admitted:
                        break
                    case .full:
                        metrics.recordRefusedConnection()
                        try pipeline.addHandler(TooManyConnectionsHandler(zxid: replica.status.appliedZxid))
                        return
                    case .closing:
                        channel.close(promise: nil)
                        return
                    }
                    channel.closeFuture.whenComplete { _ in gate.release(channel) }
                    let lineGuard = RequestLineGuard(lineBytesMax: limits.requestLineBytesMax)
                    try pipeline.addHandler(lineGuard)
                    try pipeline.addHandler(
                        ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: decoderLimits)))
                    try pipeline.addHandler(HTTPResponseEncoder())
                    try pipeline.addHandler(HTTPServerPipelineHandler())
                    try pipeline.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                    try pipeline.addHandler(HTTPChannelHandler(responder: responder, limits: limits, lineGuard: lineGuard))
                }
            }
            .bind(host: host, port: port)
            .get()
        return PaddockHTTPServer(channel: channel, gate: gate, drainTimeoutMs: limits.proposalWaitMs)
    }

    /// Stops the server: closes the listener, lets every connection finish the request it
    /// is serving (its answer says `Connection: close`), closes idle ones at once, and
    /// returns when all are closed. Connections still busy after
    /// `Limits.proposalWaitMs` are closed without their answer.
    ///
    /// Call it once, before stopping the replica, so in-flight writes get their answers.
    /// - Throws: NIO's error when the listener was already closed.
    public func close() async throws {
        // The gate closes first: a connection accepted from here on is closed at once
        // instead of joining after the list below is taken.
        let children = gate.beginClosing()
        try await channel.close()
        guard !children.isEmpty else { return }
        for child in children {
            child.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let loop = channel.eventLoop
        let deadline = loop.scheduleTask(in: .milliseconds(drainTimeoutMs)) {
            for child in children { child.close(promise: nil) }
        }
        let closed = EventLoopFuture.andAllComplete(children.map(\.closeFuture), on: loop)
        try? await closed.get()
        deadline.cancel()
    }
}
