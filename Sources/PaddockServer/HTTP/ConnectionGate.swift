import NIOCore
import PaddockAPI
import Synchronization
import ZNodeTree

/// Tracks open client connections against `Limits.connectionsMax`, and knows them so a
/// stopping server can ask each to finish its request and close.
///
/// Shared by the accept path of every event loop; a `Mutex` guards a short section.
final class ConnectionGate: Sendable {
    private let open = Mutex<[ObjectIdentifier: any Channel]>([:])
    let connectionsMax: Int

    init(connectionsMax: Int) {
        self.connectionsMax = connectionsMax
    }

    /// Admits `channel`; false (and nothing recorded) past the limit.
    func admit(_ channel: any Channel) -> Bool {
        open.withLock { channels in
            guard channels.count < connectionsMax else { return false }
            channels[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    /// Forgets an admitted channel (it closed).
    func release(_ channel: any Channel) {
        _ = open.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// The connections open now.
    var openChannels: [any Channel] { open.withLock { Array($0.values) } }
}

/// Answers a connection over the limit with one 503 `TooManyConnections` and closes it.
final class TooManyConnectionsHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let zxid: Zxid

    init(zxid: Zxid) {
        self.zxid = zxid
    }

    func channelActive(context: ChannelHandlerContext) {
        let problem = ProblemDetails(.tooManyConnections, detail: "this member serves at most its configured number of connections")
        let body = problem.jsonBytes()
        var buffer = context.channel.allocator.buffer(capacity: 256 + body.count)
        buffer.writeString(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: \(ProblemDetails.mediaType)\r\n"
                + "Content-Length: \(body.count)\r\nPaddock-Zxid: \(zxid.rawValue)\r\nRetry-After: 1\r\n"
                + "Connection: close\r\n\r\n")
        buffer.writeBytes(body)
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
