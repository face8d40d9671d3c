import NIOCore
import NIOHTTP1
import PaddockAPI
import ZNodeTree

/// The per-connection handler: aggregates one request (enforcing the line, header and
/// body limits), hands it to the responder off the event loop, and writes the response.
///
/// It sits after `HTTPServerPipelineHandler`, which delivers one request at a time and
/// holds pipelined ones back until the previous response is written, so responses go out
/// in request order. A request refused by a size limit is answered at once and the
/// connection is closed after the answer, since the rest of its bytes cannot be trusted
/// to frame the next request cheaply.
final class HTTPChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Waiting for a request head.
        case idle
        /// Reading the body of an accepted head.
        case receiving(HTTPRequestHead, ByteBuffer)
        /// An answer was sent early (a limit); the rest of the request is dropped.
        case discarding
        /// The request is with the responder.
        case responding
        /// A streaming response is being written (see `ResponseStream`).
        case streaming
        /// The connection is closing.
        case closing
    }

    private let responder: APIResponder
    private let limits: Limits
    private var state = State.idle
    private var keepAlive = true
    /// The request being answered is a HEAD: its answer has headers and no body.
    private var isHead = false

    /// The handler measuring request lines ahead of the decoder, when there is one.
    private let lineGuard: RequestLineGuard?
    /// The streaming response being written, told when the connection goes.
    private var activeStream: (any ResponseStream)?

    /// This connection's request duration series.
    private var requestTimers: HTTPRequestTimers
    /// When the current request's head arrived (`NIODeadline` nanoseconds); 0 before one.
    private var requestStartNs: UInt64 = 0
    /// The current request's method; nil until its head arrived.
    private var requestMethod: HTTPMethod?
    /// The index of the route the current request matched; nil when none (yet).
    private var requestRoute: Int?

    init(responder: APIResponder, limits: Limits, lineGuard: RequestLineGuard? = nil) {
        self.responder = responder
        self.limits = limits
        self.lineGuard = lineGuard
        self.requestTimers = HTTPRequestTimers(metrics: responder.context.metrics, routes: responder.router.routes)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        responder.context.metrics.httpConnections.increment()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        responder.context.metrics.httpConnections.decrement()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            received(head, context: context)
        case .body(var chunk):
            guard case .receiving(let head, var body) = state else { return }
            guard body.readableBytes + chunk.readableBytes <= limits.requestBodyBytesMax else {
                refuse(.tooLarge, "the body is larger than \(limits.requestBodyBytesMax) bytes", context: context)
                return
            }
            state = .responding  // Avoids a copy-on-write of `body` while it is appended to.
            body.writeBuffer(&chunk)
            state = .receiving(head, body)
        case .end:
            guard case .receiving(let head, let body) = state else { return }
            state = .responding
            dispatch(head, body: body, context: context)
        }
    }

    private func received(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard case .idle = state else { return }
        requestStartNs = NIODeadline.now().uptimeNanoseconds
        requestMethod = head.method
        requestRoute = nil
        keepAlive = head.isKeepAlive
        isHead = head.method == .HEAD
        let lineBytes = head.method.rawValue.utf8.count + head.uri.utf8.count + 10
        guard lineBytes <= limits.requestLineBytesMax else {
            refuse(.uriTooLong, "the request line is longer than \(limits.requestLineBytesMax) bytes", context: context)
            return
        }
        var headerBytes = 0
        for header in head.headers { headerBytes += header.name.utf8.count + header.value.utf8.count + 4 }
        guard headerBytes <= limits.requestHeaderBytesMax else {
            refuse(.headerTooLarge, "the headers are larger than \(limits.requestHeaderBytesMax) bytes", context: context)
            return
        }
        if let length = head.headers.first(name: "content-length"), let count = Int(length),
            count > limits.requestBodyBytesMax
        {
            refuse(.tooLarge, "the body (\(count) bytes) is larger than \(limits.requestBodyBytesMax) bytes", context: context)
            return
        }
        state = .receiving(head, context.channel.allocator.buffer(capacity: 0))
        // curl asks before sending a larger body and would otherwise wait a second.
        if head.headers.contains(name: "expect"),
            head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" })
        {
            let interim = HTTPResponseHead(version: head.version, status: .continue)
            context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
        }
    }

    private func dispatch(_ head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let request = APIRequest(method: head.method, target: head.uri, headers: head.headers, body: body)
        let handler: APIHandler
        let routed: APIRequest
        switch responder.prepare(request) {
        case .answered(let response, let route):
            requestRoute = route
            // Answered on the loop: no task, and the pipelining handler is idle again
            // before it is next asked to read, so it never stops reading the socket.
            // Writing `.end` delivers the next pipelined request from inside this call;
            // past a small depth the answer is deferred to a fresh loop turn, so a long
            // pipeline cannot grow the stack without bound.
            if answerDepth < Self.answerDepthMax {
                answerDepth += 1
                write(response, version: head.version, context: context)
                answerDepth -= 1
            } else {
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.execute {
                    let (handler, context) = bound.value
                    handler.write(response, version: head.version, context: context)
                }
            }
            return
        case .pending(let pendingHandler, let pendingRequest, let route):
            requestRoute = route
            handler = pendingHandler
            routed = pendingRequest
        }
        let responder = self.responder
        let executor = self.executor(for: context.eventLoop)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        Task(executorPreference: executor) {
            let response = await responder.finish(handler, routed)
            // The task prefers the connection's loop, but a handler that awaited elsewhere
            // may resume on another thread; hop back only then.
            if executor.eventLoop.inEventLoop {
                let (handler, context) = bound.value
                handler.write(response, version: head.version, context: context)
            } else {
                executor.eventLoop.execute {
                    let (handler, context) = bound.value
                    handler.write(response, version: head.version, context: context)
                }
            }
        }
    }

    private var taskExecutor: EventLoopTaskExecutor?
    /// How many answers written on the loop enclose the current call (see `dispatch`).
    private var answerDepth = 0
    /// The deepest nesting of answers written on the loop before one is deferred.
    static let answerDepthMax = 8

    private func executor(for eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        if let taskExecutor { return taskExecutor }
        let created = EventLoopTaskExecutor(eventLoop: eventLoop)
        taskExecutor = created
        return created
    }

    /// Answers a request refused by a limit and closes the connection after the answer.
    private func refuse(_ code: APIErrorCode, _ detail: String, context: ChannelHandlerContext) {
        state = .discarding
        keepAlive = false
        var response = APIResponse.problem(code, detail)
        response.zxid = responder.context.replica.status.appliedZxid
        write(response, version: .http1_1, context: context)
    }

    private func write(_ response: APIResponse, version: HTTPVersion, context: ChannelHandlerContext) {
        recordRequest(status: response.status)
        if let stream = response.stream {
            startStream(stream, response: response, version: version, context: context)
            return
        }
        var headers = response.headers
        headers.reserveCapacity(headers.count + 3)
        headers.add(name: "Content-Length", value: String(response.body.readableBytes))
        headers.add(name: "Paddock-Zxid", value: String((response.zxid ?? .zero).rawValue))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: version, status: response.status, headers: headers)
        // The state moves first: writing `.end` makes the pipelining handler deliver the
        // next buffered request at once, re-entering `channelRead`.
        let closeAfter = !keepAlive
        state = closeAfter ? .closing : .idle
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if response.body.readableBytes > 0, !isHead {
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        guard closeAfter else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        done.futureResult.assumeIsolated().whenComplete { _ in Self.lingeringClose(context: context) }
    }

    /// Records the answered request's duration under its route, method and status, and
    /// forgets the request. An answer without a request head (a broken request line)
    /// counts as `unmatched`, method `other`, with no duration.
    private func recordRequest(status: HTTPResponseStatus) {
        let nowNs = NIODeadline.now().uptimeNanoseconds
        let startNs = requestStartNs == 0 ? nowNs : requestStartNs
        requestTimers.record(
            route: requestRoute, method: requestMethod, status: status, nanoseconds: Int64(nowNs &- startNs))
        requestStartNs = 0
        requestMethod = nil
        requestRoute = nil
    }

    /// Writes the head of a streaming response and hands the connection to `stream`.
    ///
    /// The body is chunked and the connection closes when the stream ends: a stream lasts
    /// as long as the client wants it, so nothing is pipelined behind it.
    private func startStream(
        _ stream: any ResponseStream, response: APIResponse, version: HTTPVersion, context: ChannelHandlerContext
    ) {
        var headers = response.headers
        headers.add(name: "Paddock-Zxid", value: String((response.zxid ?? .zero).rawValue))
        headers.add(name: "Connection", value: "close")
        keepAlive = false
        state = .streaming
        let head = HTTPResponseHead(version: version, status: response.status, headers: headers)
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        guard context.channel.isActive else {
            // The client left while the request was being answered: `channelInactive`
            // has passed already, so the stream is stopped here.
            stream.stop()
            return
        }
        activeStream = stream
        // The server's close tells connections to finish their request; that event is
        // consumed by the pipelining handler ahead of this one, so a small handler at the
        // front of the pipeline watches for it and ends the stream.
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        try? context.pipeline.syncOperations.addHandler(
            QuiesceObserver {
                let (handler, context) = bound.value
                handler.finishStream(context: context)
            }, position: .first)
        stream.start(StreamOutput(handler: self, context: context))
    }

    /// Writes one body part of the streaming response (see `StreamOutput.write`).
    func writeStreamPart(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        guard case .streaming = state else { return }
        context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
    }

    /// How long a finished stream waits for its client to take the last bytes before
    /// the connection is closed anyway.
    static let streamFinishTimeout = TimeAmount.seconds(10)

    /// Ends the streaming response and closes the connection once the end is sent, or
    /// after `streamFinishTimeout` when the client does not read.
    func finishStream(context: ChannelHandlerContext) {
        guard case .streaming = state else { return }
        state = .closing
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let timeout = context.eventLoop.scheduleTask(in: Self.streamFinishTimeout) {
            bound.value.close(promise: nil)
        }
        done.futureResult.assumeIsolated().whenComplete { _ in
            timeout.cancel()
            bound.value.close(promise: nil)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let activeStream { activeStream.writable() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let stream = activeStream {
            activeStream = nil
            stream.stop()
        }
        context.fireChannelInactive()
    }

    /// How long a closing connection keeps reading (and dropping) what the client still
    /// sends, after its last answer.
    static let lingerTimeout = TimeAmount.seconds(2)

    /// Closes after the last answer without losing it: sends FIN first and drains input.
    ///
    /// Closing a socket with unread input makes the kernel send RST, and a client that
    /// receives RST may discard the answer it has not read yet; a refused oversized body
    /// is exactly such a case. So the output side is shut first; the connection closes
    /// when the client closes its side, or after `lingerTimeout`.
    private static func lingeringClose(context: ChannelHandlerContext) {
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.close(mode: .output).assumeIsolated().whenComplete { result in
            let context = bound.value
            guard case .success = result else {
                context.close(promise: nil)
                return
            }
            context.eventLoop.assumeIsolated().scheduleTask(in: lingerTimeout) {
                context.close(promise: nil)
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            // A slow handler does not count; a client that started a request and then
            // stopped sending would hold its connection slot forever, so it is told.
            switch state {
            case .idle:
                state = .closing
                context.close(promise: nil)
            case .receiving:
                refuse(
                    .requestTimeout, "the request stopped arriving for \(limits.idleTimeoutMs) ms",
                    context: context)
            case .responding, .streaming, .discarding, .closing:
                break
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let parserError = error as? HTTPParserError else {
            context.close(promise: nil)
            return
        }
        switch state {
        case .idle, .receiving:
            keepAlive = false
            if lineGuard?.isRefused == true {
                refuse(.uriTooLong, "the request line is longer than \(limits.requestLineBytesMax) bytes", context: context)
            } else if case .headerOverflow = parserError {
                refuse(.headerTooLarge, "the request line or headers are larger than the limit", context: context)
            } else {
                refuse(.badRequest, "the request is not valid HTTP/1.1 (\(parserError))", context: context)
            }
        case .responding, .streaming, .discarding, .closing:
            context.close(promise: nil)
        }
    }
}
