import NIOCore
import PaddockAPI
import Synchronization
import ZNodeTree

/// Counts open client connections against `Limits.connectionsMax`.
///
/// Shared by the accept path of every event loop; an atomic counter, no lock.
final class ConnectionGate: Sendable {
    private let open = Atomic<Int>(0)
    let connectionsMax: Int

    init(connectionsMax: Int) {
        self.connectionsMax = connectionsMax
    }

    /// Admits one more connection; false (and nothing counted) past the limit.
    func admit() -> Bool {
        let count = open.wrappingAdd(1, ordering: .relaxed).newValue
        if count > connectionsMax {
            open.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Releases an admitted connection.
    func release() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Connections open now.
    var openCount: Int { open.load(ordering: .relaxed) }
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
