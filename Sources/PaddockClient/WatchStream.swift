import AsyncHTTPClient
import Foundation
import NIOCore
import PaddockAPI
import ZNodeTree

extension Client {
    /// The changes of `path` (or its subtree) as an `AsyncSequence` of `NodeEvent`.
    ///
    /// The stream reconnects by itself when its connection ends or breaks, on the same
    /// member or another, resuming with `Last-Event-ID` after the last zxid it delivered,
    /// so each change is delivered once and in zxid order. When the member has forgotten
    /// that far back (`Compacted`), it starts over with `initial`: the current state as
    /// `initial` events, then `synced`, then the changes. It ends (returns nil) when the
    /// task is cancelled, and throws `PaddockError` when no member takes it back before the
    /// call deadline; the error's `zxid` is the last zxid delivered, to resume with `since`.
    public func watch(_ path: String, options: WatchOptions = .init()) -> WatchStream {
        WatchStream(transport: transport, path: path, options: options)
    }
}

/// The events of one watch; see `Client.watch`.
///
/// Events of one zxid are handed out together once the server marked the last of them
/// (`id:`), so a connection that breaks inside an entry never yields part of it twice.
public struct WatchStream: AsyncSequence, Sendable {
    /// One event.
    public typealias Element = NodeEvent

    let transport: Transport
    let path: String
    let options: WatchOptions

    /// An iterator that opens the stream on its first `next()`.
    public func makeAsyncIterator() -> Iterator {
        Iterator(transport: transport, path: path, options: options)
    }

    /// Reads events, reconnecting as needed.
    public struct Iterator: AsyncIteratorProtocol {
        let transport: Transport
        let path: String
        let options: WatchOptions
        /// The last zxid delivered completely (the resume point), once known.
        public private(set) var lastZxid: Zxid?
        /// How many times the stream was (re)opened.
        public private(set) var connections = 0
        private var needsInitial: Bool
        private var body: HTTPClientResponse.Body.AsyncIterator?
        private var parser = SSEParser()
        private var ready: [NodeEvent] = []
        private var held: [NodeEvent] = []

        init(transport: Transport, path: String, options: WatchOptions) {
            self.transport = transport
            self.path = path
            self.options = options
            self.lastZxid = options.since
            self.needsInitial = options.initial
        }

        /// The next event; nil once the task is cancelled.
        ///
        /// - Throws: `PaddockError` when the stream cannot be reopened before the call
        ///   deadline, or the server refuses it (`.invalidPath`, ...).
        public mutating func next() async throws -> NodeEvent? {
            // Bounded by the reconnects: each pass reads one chunk or opens the stream,
            // and opening throws once no member takes it back before the deadline.
            while true {
                if !ready.isEmpty { return ready.removeFirst() }
                if Task.isCancelled { return nil }
                if body == nil {
                    guard try await connectUnlessCancelled() else { return nil }
                }
                let chunk: ByteBuffer?
                do {
                    chunk = try await body?.next()
                } catch {
                    if Task.isCancelled { return nil }
                    disconnect()
                    continue
                }
                guard let chunk else {
                    disconnect()
                    continue
                }
                for message in try parser.feed(chunk.readableBytesView) {
                    try handle(message)
                    if body == nil { break }
                }
            }
        }

        /// Opens the stream; false when the task was cancelled meanwhile.
        private mutating func connectUnlessCancelled() async throws(PaddockError) -> Bool {
            do throws(PaddockError) {
                try await connect()
                return true
            } catch {
                let failure = error
                if failure.code == .cancelled { return false }
                throw failure
            }
        }

        private mutating func connect() async throws(PaddockError) {
            // At most two opens: the second only after the first answered Compacted.
            for _ in 0..<2 {
                var query: [String] = []
                var headers: [(String, String)] = [("Accept", "text/event-stream")]
                if options.recursive { query.append("recursive") }
                if let lastZxid {
                    headers.append(("Last-Event-ID", String(lastZxid.rawValue)))
                } else if needsInitial {
                    query.append("initial")
                }
                let call = Call(.GET, try Client.target("watch", path, query: query), isWrite: false, headers: headers)
                do throws(PaddockError) {
                    let (response, _) = try await transport.open(call)
                    body = response.body.makeAsyncIterator()
                    connections += 1
                    if lastZxid == nil, !needsInitial, let start = Transport.zxid(response.headers) {
                        lastZxid = start
                    }
                    return
                } catch where error.code == .compacted {
                    lastZxid = nil
                    needsInitial = true
                } catch {
                    var error = error
                    error.zxid = lastZxid
                    throw error
                }
            }
            throw PaddockError(.compacted, "the watch of \(path) was refused as compacted even with initial", path: path)
        }

        private mutating func disconnect() {
            body = nil
            held.removeAll()
            parser.reset()
        }

        private mutating func handle(_ message: SSEMessage) throws(PaddockError) {
            let decoded: WatchEventBody
            do {
                decoded = try Client.decoder.decode(WatchEventBody.self, from: Data(message.data.utf8))
            } catch {
                throw PaddockError(.invalidResponse, "a watch event this client cannot read: \(message.data)", cause: error)
            }
            if decoded.type == "overflow" {
                // The server ends the stream; resume after the zxid it names, or start over.
                if let zxid = decoded.zxid {
                    lastZxid = Zxid(zxid)
                } else if lastZxid == nil {
                    needsInitial = true
                }
                disconnect()
                return
            }
            guard let kind = NodeEvent.Kind(rawValue: decoded.type), let zxid = decoded.zxid else {
                throw PaddockError(.invalidResponse, "a watch event of unknown type: \(message.data)")
            }
            var data: [UInt8]?
            if let text = decoded.data {
                guard let bytes = (decoded.encoding ?? .utf8).decode(text) else {
                    throw PaddockError(.invalidResponse, "a watch event with bad \(decoded.encoding ?? .utf8) data")
                }
                data = bytes
            }
            held.append(NodeEvent(kind: kind, path: decoded.path ?? "", zxid: Zxid(zxid), stat: decoded.stat?.stat, data: data))
            if let id = message.id, let idZxid = UInt64(id) {
                lastZxid = Zxid(idZxid)
                needsInitial = false
                ready.append(contentsOf: held)
                held.removeAll()
            }
        }
    }
}
