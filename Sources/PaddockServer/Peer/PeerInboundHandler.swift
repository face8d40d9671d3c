import Logging
import NIOCore

/// What an accepted peer connection needs from its transport.
struct PeerInboundContext: Sendable {
    /// The cluster id a hello must carry.
    var clusterID: String
    /// This member's name, to tell a member dialing itself apart from a stranger.
    var selfName: MemberName
    /// Whether a member name is in the current peer directory.
    var isKnownPeer: @Sendable (MemberName) -> Bool
    /// Called once per connection with its accepted hello.
    var acceptHello: @Sendable (PeerHello) -> Void
    /// Receives every frame after the hello, with the hello's name as sender.
    var onFrame: @Sendable (MemberName, PeerFrame) -> Void
    /// How long a new connection may take to send its hello before it is closed, in ms.
    var helloTimeoutMs: Int64
    /// Where refusals and errors are logged.
    var logger: Logger
}

/// Admits an accepted peer connection by its hello, then delivers its frames in order.
///
/// The first frame must be a hello with this cluster's id and protocol version; anything
/// else closes the connection before a single frame is delivered. A name not (yet) in the
/// directory is accepted and logged: a learner being added may dial before the directory
/// update reaches this member, and the replica decides what its messages are worth. A
/// connection that sends no hello within `helloTimeoutMs` is closed, so strangers that
/// connect and stay silent do not hold connections forever.
final class PeerInboundHandler: ChannelInboundHandler {
    typealias InboundIn = PeerFrame

    private let context: PeerInboundContext
    /// The hello's sender once admitted; nil before the hello.
    private var sender: MemberName?
    /// Set once the connection is refused: frames already decoded are dropped, not judged.
    private var refused = false
    /// Closes the connection if no hello arrives in time; nil once admitted.
    private var helloDeadline: Scheduled<Void>?

    init(context: PeerInboundContext) {
        self.context = context
    }

    func channelActive(context channelContext: ChannelHandlerContext) {
        let channel = channelContext.channel
        let logger = context.logger
        let timeoutMs = context.helloTimeoutMs
        helloDeadline = channelContext.eventLoop.scheduleTask(in: .milliseconds(timeoutMs)) {
            logger.warning(
                "peer connection closed: no hello within \(timeoutMs) ms",
                metadata: ["peer.remote": "\(channel.remoteAddress.map { "\($0)" } ?? "?")"])
            channel.close(promise: nil)
        }
        channelContext.fireChannelActive()
    }

    func channelInactive(context channelContext: ChannelHandlerContext) {
        helloDeadline?.cancel()
        helloDeadline = nil
        channelContext.fireChannelInactive()
    }

    func channelRead(context channelContext: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        let frame = Self.unwrapInboundIn(data)
        guard let sender else {
            admit(frame, channelContext: channelContext)
            return
        }
        if case .hello = frame {
            refuse(channelContext, "a second hello from \(sender)")
            return
        }
        context.onFrame(sender, frame)
    }

    private func admit(_ frame: PeerFrame, channelContext: ChannelHandlerContext) {
        guard case .hello(let hello) = frame else {
            refuse(channelContext, "first frame is not a hello")
            return
        }
        guard hello.clusterID == context.clusterID else {
            context.logger.warning(
                "peer connection refused: wrong cluster id",
                metadata: [
                    "peer.name": "\(hello.name)", "peer.clusterID": "\(hello.clusterID)",
                    "clusterID": "\(context.clusterID)", "peer.remote": "\(remote(channelContext))",
                ])
            refused = true
            channelContext.close(promise: nil)
            return
        }
        guard hello.protocolVersion == PeerCodec.protocolVersion else {
            refuse(channelContext, "peer \(hello.name) speaks protocol \(hello.protocolVersion), this member \(PeerCodec.protocolVersion)")
            return
        }
        if hello.name == context.selfName {
            refuse(channelContext, "peer claims this member's own name \(hello.name)")
            return
        }
        if !context.isKnownPeer(hello.name) {
            context.logger.notice(
                "peer connection from a member not in the directory; accepted",
                metadata: ["peer.name": "\(hello.name)", "peer.remote": "\(remote(channelContext))"])
        }
        sender = hello.name
        helloDeadline?.cancel()
        helloDeadline = nil
        context.acceptHello(hello)
    }

    private func refuse(_ channelContext: ChannelHandlerContext, _ reason: String) {
        refused = true
        context.logger.warning("peer connection refused: \(reason)", metadata: ["peer.remote": "\(remote(channelContext))"])
        channelContext.close(promise: nil)
    }

    func errorCaught(context channelContext: ChannelHandlerContext, error: any Error) {
        guard !refused else { return }
        refused = true
        context.logger.warning(
            "peer connection closed on error: \(error)",
            metadata: ["peer.name": "\(sender?.rawValue ?? "-")", "peer.remote": "\(remote(channelContext))"])
        channelContext.close(promise: nil)
    }

    private func remote(_ channelContext: ChannelHandlerContext) -> String {
        channelContext.remoteAddress.map { "\($0)" } ?? "?"
    }
}
