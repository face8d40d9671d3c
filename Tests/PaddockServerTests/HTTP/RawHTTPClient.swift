import Foundation
import NIOCore
import NIOPosix

/// One parsed HTTP/1.1 response read off a socket.
struct RawResponse {
    var status: Int
    var headers: [String: String]
    var body: String
}

/// A deliberately dumb HTTP client for live-server tests: writes raw bytes (so tests can
/// send pipelined, oversized or broken requests) and parses responses by Content-Length.
enum RawHTTPClient {
    /// Connects, writes `bytes`, and reads until `count` responses arrived or the server
    /// closed the connection. Returns the responses and whether the server closed.
    /// - Parameter firstIsHead: the first request is a HEAD, so its answer has no body
    ///   whatever its Content-Length says.
    /// - Parameter group: the event loops of the client's connection.
    static func exchange(
        port: Int, _ bytes: String, count: Int, firstIsHead: Bool = false,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> (responses: [RawResponse], closed: Bool) {
        let channel = try await ClientBootstrap(group: group)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    // The bytes go out on the event loop the moment the connection is up, so
                    // a busy cooperative pool cannot hold them back past a server's idle
                    // timeout. The server may answer and close before reading them (a
                    // refused connection): a failed write is not an error, what it sent is
                    // still read below.
                    if !bytes.isEmpty {
                        try channel.pipeline.syncOperations.addHandler(WriteOnActive(ByteBuffer(string: bytes)))
                    }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, _ in
            var received: [UInt8] = []
            var responses: [RawResponse] = []
            var closed = true
            do {
                for try await chunk in inbound {
                    received += chunk.readableBytesView
                    while let (response, used) = parse(received, bodyless: firstIsHead && responses.isEmpty) {
                        responses.append(response)
                        received.removeFirst(used)
                    }
                    if responses.count >= count {
                        closed = false
                        break
                    }
                }
            } catch {
                // A server closing with unread request bytes resets the connection; after
                // an answer that is its documented close, not a failure.
                if responses.isEmpty { throw error }
            }
            return (responses, closed)
        }
    }

    private static func parse(_ bytes: [UInt8], bodyless: Bool) -> (RawResponse, Int)? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4,
            let headEnd = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<($0 + 4)]) == separator })
        else { return nil }
        let head = String(decoding: bytes[..<headEnd], as: UTF8.self)
        var lines = head.split(separator: "\r\n").map(String.init)
        let statusLine = lines.removeFirst()
        let status = Int(statusLine.split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in lines {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers[parts[0].lowercased()] = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        }
        let length = bodyless ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = headEnd + 4
        guard bytes.count >= bodyStart + length else { return nil }
        let body = String(decoding: bytes[bodyStart..<(bodyStart + length)], as: UTF8.self)
        return (RawResponse(status: status, headers: headers, body: body), bodyStart + length)
    }
}

/// Writes its bytes as soon as the connection is active, then steps aside.
private final class WriteOnActive: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let bytes: ByteBuffer

    init(_ bytes: ByteBuffer) { self.bytes = bytes }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        context.fireChannelActive()
    }
}
