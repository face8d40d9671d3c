import Foundation
import NIOCore
import NIOPosix
import PaddockAPI
import Synchronization

/// One Server-Sent Event as a client reads it.
struct SSEEvent: Sendable, Equatable {
    var id: String?
    var event: String
    var data: String

    /// `data` parsed as JSON.
    var json: JSONValue? { try? JSONValue(parsing: Array(data.utf8)) }
    /// The `path` member of the data.
    var path: String? { if case .string(let path)? = json?["path"] { return path } else { return nil } }
    /// The `zxid` member of the data.
    var zxid: Int64? { json?["zxid"]?.int64Value }
}

/// What a streaming answer looks like so far.
struct SSEReceived: Sendable {
    var status: Int?
    var headers: [String: String] = [:]
    var events: [SSEEvent] = []
    var heartbeats = 0
    /// The chunked body ended (its last chunk came).
    var ended = false
    /// The connection closed.
    var closed = false
}

/// A test client for `/v1/watch` streams: one connection, raw bytes in, parsed as HTTP
/// head, chunked body and SSE events. With `autoRead: false` it reads nothing until
/// `startReading()`, to play a consumer that stalls.
final class SSEClient: Sendable {
    private let channel: any Channel
    private let bytes: ByteStore

    /// Everything received, behind a lock: the handler appends on the event loop.
    final class ByteStore: Sendable {
        let state = Mutex<(bytes: [UInt8], closed: Bool)>(([], false))
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let store: ByteStore
        init(store: ByteStore) { self.store = store }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            store.state.withLock { $0.bytes += buffer.readableBytesView }
        }
        func channelInactive(context: ChannelHandlerContext) {
            store.state.withLock { $0.closed = true }
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    private init(channel: any Channel, bytes: ByteStore) {
        self.channel = channel
        self.bytes = bytes
    }

    /// Connects to 127.0.0.1:`port` and sends `GET target`.
    static func open(port: Int, _ target: String, headers: [(String, String)] = [], autoRead: Bool = true) async throws -> SSEClient {
        let store = ByteStore()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: autoRead)
            .channelOption(.socketOption(.so_rcvbuf), value: autoRead ? 1 << 16 : 4_096)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(store: store))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        var request = "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request))
        return SSEClient(channel: channel, bytes: store)
    }

    /// Starts reading after `open(autoRead: false)`.
    func startReading() async throws {
        try await channel.setOption(.autoRead, value: true).get()
        channel.read()
    }

    /// Closes the connection (the client goes away).
    func close() async {
        try? await channel.close()
    }

    /// What was received so far, parsed.
    var received: SSEReceived {
        let (raw, closed) = bytes.state.withLock { ($0.bytes, $0.closed) }
        var parsed = Self.parse(raw)
        parsed.closed = closed
        return parsed
    }

    /// Waits (bounded) until `condition` holds of what was received; returns the last parse.
    ///
    /// The loop is written out rather than handed to `eventually`: a non-escaping
    /// `condition` captured by the async closure `eventually` takes was seen to run the
    /// condition of an earlier call instead (a wait for 300 events returned at once with
    /// none).
    func wait(timeoutMs: Int = 20_000, until condition: (SSEReceived) -> Bool) async -> SSEReceived {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMs))
        var last = received
        while !condition(last) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
            last = received
        }
        return last
    }

    /// Waits until at least `count` events came.
    func events(_ count: Int, timeoutMs: Int = 20_000) async -> [SSEEvent] {
        await wait(timeoutMs: timeoutMs) { $0.events.count >= count }.events
    }

    static func parse(_ raw: [UInt8]) -> SSEReceived {
        var result = SSEReceived()
        let separator: [UInt8] = [13, 10, 13, 10]
        guard raw.count >= 4, let headEnd = (0...(raw.count - 4)).first(where: { raw[$0..<($0 + 4)].elementsEqual(separator) })
        else { return result }
        var lines = String(decoding: raw[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        result.status = statusLine.count > 1 ? Int(statusLine[1]) : nil
        for line in lines {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            result.headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        // De-chunk what is complete.
        var body: [UInt8] = []
        var position = headEnd + 4
        while true {
            guard let lineEnd = (position..<max(position, raw.count - 1)).first(where: { raw[$0] == 13 && raw[$0 + 1] == 10 }),
                let size = Int(String(decoding: raw[position..<lineEnd], as: UTF8.self), radix: 16)
            else { break }
            if size == 0 {
                result.ended = true
                break
            }
            let start = lineEnd + 2
            guard raw.count >= start + size + 2 else { break }
            body += raw[start..<(start + size)]
            position = start + size + 2
        }
        let text = String(decoding: body, as: UTF8.self)
        var blocks = text.components(separatedBy: "\n\n")
        blocks.removeLast()  // incomplete, or empty after the last blank line
        for block in blocks {
            var event = SSEEvent(id: nil, event: "message", data: "")
            var isComment = true
            for line in block.split(separator: "\n", omittingEmptySubsequences: true) {
                if line.hasPrefix(":") { continue }
                isComment = false
                if line.hasPrefix("id: ") { event.id = String(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { event.event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { event.data = String(line.dropFirst(6)) }
            }
            if isComment {
                result.heartbeats += 1
            } else {
                result.events.append(event)
            }
        }
        return result
    }
}
