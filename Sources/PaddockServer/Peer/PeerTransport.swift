import Logging
import NIOCore
import NIOPosix
import RaftCore
import Synchronization

/// Carries frames between Paddock members over TCP.
///
/// Each member listens on one peer port and keeps one outbound connection to every peer
/// in its directory; it sends on its own outbound connections and receives on the ones
/// peers dial to it. A connection starts with the dialer's hello (cluster id, protocol
/// version, name, HTTP address); the accepting side checks it and then hands every frame
/// to `onFrame` with the hello's name as sender, in the order the connection carried them.
///
/// Sending never blocks: frames are queued per peer and written by the peer's event loop,
/// batched into one flush per turn. A frame is dropped when its peer is unknown, not
/// connected, or has `outboundQueueBytesMax` bytes waiting; Raft's retries cover drops.
/// See docs/cluster-transport.md for the wire format and the connection lifecycle.
public final class PeerTransport: Sendable {
    /// The bound peer port (the one picked by the system when 0 was asked for).
    public let port: Int
    /// The configuration the transport was started with.
    public let configuration: Configuration

    private let listener: any Channel
    private let directory: PeerDirectory
    /// The HTTP address announced in hellos; `setHTTPAddress` changes it.
    private let announcedHTTPAddress: Mutex<String>
    private let group: any EventLoopGroup
    private let logger: Logger

    private init(configuration: Configuration, listener: any Channel, directory: PeerDirectory, group: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.announcedHTTPAddress = Mutex(configuration.httpAddress)
        self.listener = listener
        self.port = listener.localAddress?.port ?? configuration.listenPort
        self.directory = directory
        self.group = group
        self.logger = logger
    }

    /// Binds the peer port and starts dialing `peers`.
    ///
    /// - Parameters:
    ///   - peers: member name to peer address (`host:port`); this member's own name is
    ///     skipped.
    ///   - group: the event loops connections run on.
    ///   - onFrame: receives every frame from admitted connections, with the sender's name.
    ///     Called on an event loop, in order per connection; it must return quickly (hop
    ///     to the replica's own executor).
    /// - Throws: `PeerTransportError` for a bad configuration (`.badConfiguration`) or an
    ///   address that cannot be bound (`.bindFailed`).
    public static func start(
        configuration: Configuration, peers: [MemberName: String],
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger,
        onFrame: @escaping @Sendable (MemberName, PeerFrame) -> Void
    ) async throws -> PeerTransport {
        try configuration.validate()
        var logger = logger
        logger[metadataKey: "member"] = "\(configuration.selfName)"
        let directory = PeerDirectory()
        let inbound = PeerInboundContext(
            clusterID: configuration.clusterID, selfName: configuration.selfName,
            isKnownPeer: { directory.isKnown($0) }, acceptHello: { directory.learn($0) },
            onFrame: onFrame, helloTimeoutMs: configuration.helloTimeoutMs, logger: logger)
        let frameBytesMax = configuration.frameBytesMax
        let listener: any Channel
        do {
            listener = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.socketOption(.so_keepalive), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        guard directory.admit(channel) else {
                            channel.close(promise: nil)
                            return
                        }
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.addHandler(ByteToMessageHandler(PeerFrameDecoder(frameBytesMax: frameBytesMax)))
                        try pipeline.addHandler(PeerInboundHandler(context: inbound))
                    }
                }
                .bind(host: configuration.listenHost, port: configuration.listenPort)
                .get()
        } catch {
            throw PeerTransportError(
                code: .bindFailed, message: "cannot listen on \(configuration.listenHost):\(configuration.listenPort)", cause: error)
        }
        let transport = PeerTransport(configuration: configuration, listener: listener, directory: directory, group: group, logger: logger)
        transport.logger.info("peer transport listening", metadata: ["port": "\(transport.port)"])
        transport.setPeers(peers)
        return transport
    }

    /// Queues `frame` for `peer`. Never blocks; drops the frame (logged at debug level)
    /// when the peer is unknown or unreachable or its queue is full.
    ///
    /// A `hello` is refused (logged as an error): the link sends its own at the start of
    /// each connection, and a second one would make the peer close the connection.
    public func send(_ frame: PeerFrame, to peer: MemberName) {
        if case .hello = frame {
            logger.error("a hello frame cannot be sent; the link sends its own", metadata: ["peer.name": "\(peer)"])
            return
        }
        guard let link = directory.link(for: peer) else {
            logger.debug("no link to peer; frame dropped", metadata: ["peer.name": "\(peer)"])
            return
        }
        var bytes: [UInt8] = []
        guard append(frame, to: &bytes) else { return }
        link.enqueue(bytes, frameCount: 1)
    }

    /// Sends Raft messages, each to the member named by `message.to`, in order per peer.
    ///
    /// Messages for one peer are encoded into one buffer and queued together. A message to
    /// a node id that no peer name maps to is dropped.
    public func send(_ messages: [Message]) {
        var batches: [MemberName: (link: PeerLink, bytes: [UInt8], count: Int)] = [:]
        var order: [MemberName] = []
        for message in messages {
            guard let link = directory.link(for: message.to) else {
                logger.debug("no peer for node id; message dropped", metadata: ["node": "\(message.to)"])
                continue
            }
            if batches[link.name] == nil {
                batches[link.name] = (link, [], 0)
                order.append(link.name)
            }
            if append(.raft(message), to: &batches[link.name]!.bytes) { batches[link.name]!.count += 1 }
        }
        for name in order {
            let batch = batches[name]!
            if batch.count > 0 { batch.link.enqueue(batch.bytes, frameCount: batch.count) }
        }
    }

    /// Replaces the peer directory after a membership change: dials new peers, closes
    /// links to removed ones, and redials a peer whose address changed.
    public func setPeers(_ peers: [MemberName: String]) {
        var wanted = peers
        wanted[configuration.selfName] = nil
        var linkConfiguration = configuration
        linkConfiguration.httpAddress = announcedHTTPAddress.withLock { $0 }
        let change = directory.replace(with: wanted) { name, address in
            PeerLink(name: name, address: address, eventLoop: group.next(), configuration: linkConfiguration, logger: logger)
        }
        for link in change.removed { _ = link.close() }
        for link in change.added { link.start() }
    }

    /// Changes the HTTP address this member announces, and redials every peer so they
    /// learn it. Meant for start-up: a member whose HTTP port is picked by the system
    /// learns it only once its HTTP server is bound, after the transport started.
    public func setHTTPAddress(_ address: String) {
        let changed = announcedHTTPAddress.withLock { current in
            defer { current = address }
            return current != address
        }
        guard changed else { return }
        let peers = directory.peers()
        setPeers([:])
        setPeers(peers)
    }

    /// The HTTP addresses peers announced in their hellos, by name.
    public func httpAddresses() -> [MemberName: String] {
        directory.httpAddresses()
    }

    /// Stops listening and closes every connection; returns when all are closed.
    public func close() async {
        let (links, inbound) = directory.close()
        var closing = links.map { $0.close() }
        closing.append(listener.close().recover { _ in })
        closing += inbound.map { $0.close().recover { _ in } }
        try? await EventLoopFuture.andAllComplete(closing, on: listener.eventLoop).get()
    }

    /// Appends the encoded frame; false (and logged) when it is past `frameBytesMax`.
    private func append(_ frame: PeerFrame, to bytes: inout [UInt8]) -> Bool {
        let start = bytes.count
        PeerCodec.encode(frame, appendingTo: &bytes)
        let length = bytes.count - start - PeerCodec.prefixBytes
        guard length <= configuration.frameBytesMax else {
            bytes.removeSubrange(start...)
            logger.error("frame of \(length) bytes is past frameBytesMax \(configuration.frameBytesMax); dropped")
            return false
        }
        return true
    }
}
