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
        private var cursor: WatchCursor
        private var body: HTTPClientResponse.Body.AsyncIterator?
        private var ready: [NodeEvent] = []
        /// How many times the stream was (re)opened.
        public private(set) var connections = 0

        /// The last zxid delivered completely (the resume point), once known.
        public var lastZxid: Zxid? { cursor.lastZxid }

        init(transport: Transport, path: String, options: WatchOptions) {
            self.transport = transport
            self.path = path
            self.options = options
            self.cursor = WatchCursor(since: options.since, initial: options.initial)
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
                let fed = try cursor.feed(chunk.readableBytesView)
                ready.append(contentsOf: fed.events)
                if fed.ended { disconnect() }
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
                switch cursor.start {
                case .after(let zxid): headers.append(("Last-Event-ID", String(zxid.rawValue)))
                case .initial: query.append("initial")
                case .now: break
                }
                let call = Call(.GET, try Client.target("watch", path, query: query), isWrite: false, headers: headers)
                do throws(PaddockError) {
                    let (response, _) = try await transport.open(call)
                    body = response.body.makeAsyncIterator()
                    connections += 1
                    cursor.opened(startZxid: Transport.zxid(response.headers))
                    return
                } catch {
                    let failure = error
                    guard failure.code == .compacted else {
                        var reported = failure
                        reported.zxid = cursor.lastZxid
                        throw reported
                    }
                    cursor.compacted()
                }
            }
            throw PaddockError(.compacted, "the watch of \(path) was refused as compacted even with initial", path: path)
        }

        private mutating func disconnect() {
            body = nil
            cursor.streamBroke()
        }
    }
}

/// Where a watch stands: what it delivered, where to resume, and the events of the entry
/// being received.
///
/// Pure: the stream feeds it bytes and tells it when the connection opened or broke, and
/// it answers the events ready for the consumer. Events are held until the server marks
/// the last event of their zxid with `id:`, so a break inside an entry drops the partial
/// entry, and the resume (`Last-Event-ID` = the last complete zxid) sends it again whole.
struct WatchCursor {
    /// How the next connection starts.
    enum Start: Equatable {
        /// After this zxid (`Last-Event-ID`).
        case after(Zxid)
        /// With a snapshot of the current state (`initial`).
        case initial
        /// From the member's applied zxid.
        case now
    }

    /// The last zxid delivered completely.
    private(set) var lastZxid: Zxid?
    private var needsInitial: Bool
    private var parser = SSEParser()
    private var held: [NodeEvent] = []

    /// A cursor for a watch that starts after `since`, or with `initial`, or now.
    init(since: Zxid?, initial: Bool) {
        lastZxid = since
        needsInitial = initial && since == nil
    }

    /// How the next connection starts.
    var start: Start {
        if let lastZxid { return .after(lastZxid) }
        return needsInitial ? .initial : .now
    }

    /// A connection opened; `startZxid` is its `Paddock-Zxid`, where a stream without
    /// `since` starts, so a reconnect before the first event still misses nothing.
    mutating func opened(startZxid: Zxid?) {
        if lastZxid == nil, !needsInitial, let startZxid { lastZxid = startZxid }
    }

    /// The member no longer holds the history after `lastZxid`: start over with `initial`.
    mutating func compacted() {
        lastZxid = nil
        needsInitial = true
    }

    /// The connection ended or broke: forget the partial entry and line.
    mutating func streamBroke() {
        held.removeAll()
        parser.reset()
    }

    /// Feeds bytes of the stream.
    ///
    /// - Returns: the events now complete, and whether the server ended the stream
    ///   (`overflow`); the caller then reconnects.
    /// - Throws: `PaddockError` `.invalidResponse` for an event this client cannot read.
    mutating func feed(_ bytes: some Sequence<UInt8>) throws(PaddockError) -> (events: [NodeEvent], ended: Bool) {
        var ready: [NodeEvent] = []
        for message in try parser.feed(bytes) {
            let decoded: WatchEventBody
            do {
                decoded = try JSONDecoder().decode(WatchEventBody.self, from: Data(message.data.utf8))
            } catch {
                throw PaddockError(.invalidResponse, "a watch event this client cannot read: \(message.data)", cause: error)
            }
            if decoded.type == "overflow" {
                // The server ends the stream; resume after the zxid it names, or start over.
                if let zxid = decoded.zxid { lastZxid = Zxid(zxid) } else if lastZxid == nil { needsInitial = true }
                streamBroke()
                return (ready, true)
            }
            held.append(try Self.event(decoded, message))
            if let id = message.id, let zxid = UInt64(id) {
                lastZxid = Zxid(zxid)
                needsInitial = false
                ready.append(contentsOf: held)
                held.removeAll()
            }
        }
        return (ready, false)
    }

    private static func event(_ decoded: WatchEventBody, _ message: SSEMessage) throws(PaddockError) -> NodeEvent {
        guard let kind = NodeEvent.Kind(rawValue: decoded.type), let zxid = decoded.zxid else {
            throw PaddockError(.invalidResponse, "a watch event of unknown type: \(message.data)")
        }
        var data: [UInt8]?
        if let text = decoded.data {
            let encoding = decoded.encoding ?? .utf8
            guard let bytes = encoding.decode(text) else {
                throw PaddockError(.invalidResponse, "a watch event with bad \(encoding) data: \(message.data)")
            }
            data = bytes
        }
        return NodeEvent(kind: kind, path: decoded.path ?? "", zxid: Zxid(zxid), stat: decoded.stat?.stat, data: data)
    }
}
