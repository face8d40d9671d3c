import NIOCore
import PaddockAPI
import Synchronization
import ZNodeTree

/// Tracks open client connections against `Limits.connectionsMax`, and knows them so a
/// stopping server can ask each to finish its request and close.
///
/// Shared by the accept path of every event loop; a `Mutex` guards a short section.
final class ConnectionGate: Sendable {
    /// What `admit` decided.
    enum Admission: Equatable {
        /// Recorded; it will be asked to finish when the server stops.
        case admitted
        /// Past `connectionsMax`: answer 503 and close.
        case full
        /// The server is stopping: close at once.
        case closing
    }

    private let open = Mutex<(channels: [ObjectIdentifier: any Channel], closing: Bool)>(([:], false))
    let connectionsMax: Int

    init(connectionsMax: Int) {
        self.connectionsMax = connectionsMax
    }

    /// Admits `channel` unless the gate is full or closing (then nothing is recorded).
    ///
    /// Once `beginClosing()` ran nothing more is admitted, so a connection accepted while
    /// the server stops cannot slip past the list the server drains.
    func admit(_ channel: any Channel) -> Admission {
        open.withLock { open in
            if open.closing { return .closing }
            guard open.channels.count < connectionsMax else { return .full }
            open.channels[ObjectIdentifier(channel)] = channel
            return .admitted
        }
    }

    /// Refuses every later `admit`, and returns the connections open now.
    func beginClosing() -> [any Channel] {
        open.withLock { open in
            open.closing = true
            return Array(open.channels.values)
        }
    }

    /// Forgets an admitted channel (it closed).
    func release(_ channel: any Channel) {
        _ = open.withLock { $0.channels.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// The connections open now.
    var openChannels: [any Channel] { open.withLock { Array($0.channels.values) } }
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
