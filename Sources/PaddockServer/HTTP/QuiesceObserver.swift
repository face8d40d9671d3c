import NIOCore

/// Calls `onQuiesce` when the server asks the connection to finish (the server closes),
/// and passes the event on.
///
/// Why: a streaming response never finishes by itself, so without this the server's
/// close would wait its whole drain timeout for every open stream.
final class QuiesceObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let onQuiesce: () -> Void

    init(onQuiesce: @escaping () -> Void) {
        self.onQuiesce = onQuiesce
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { onQuiesce() }
        context.fireUserInboundEventTriggered(event)
    }
}
