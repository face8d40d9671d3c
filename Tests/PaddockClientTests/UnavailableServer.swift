import NIOCore
import NIOPosix

/// A server on 127.0.0.1 that answers every request with `503 Unavailable` (a problem
/// body, as a member that is not ready does) and closes the connection.
final class UnavailableServer: Sendable {
    let port: Int
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
        self.port = channel.localAddress!.port!
    }

    /// Listens on a free port.
    static func start() async throws -> UnavailableServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Refuser())
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return UnavailableServer(channel: channel)
    }

    /// Stops listening.
    func close() async {
        try? await channel.close()
    }
}

/// Answers the first bytes of a request with a 503 and closes.
private final class Refuser: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    static let answer: String = {
        let body =
            #"{"type":"https://paddock.dev/errors/Unavailable","title":"Unavailable","status":503,"#
            + #""detail":"this member is not ready","code":"Unavailable"}"#
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
            + "Paddock-Zxid: 0\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
            + body
    }()

    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        answered = true
        let channel = context.channel
        context.writeAndFlush(NIOAny(ByteBuffer(string: Self.answer))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
