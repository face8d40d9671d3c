import NIOCore
import NIOHTTP1

/// A response body written over time, such as a Server-Sent Events stream.
///
/// The connection handler writes the response head (chunked, `Connection: close`), then
/// calls `start` with the output; the stream writes when it has something and calls
/// `StreamOutput.finish()` when it is done. Every method is called on the connection's
/// event loop.
public protocol ResponseStream: AnyObject, Sendable {
    /// The head is written; from now on the body goes through `output`. Called once.
    func start(_ output: StreamOutput)
    /// The connection can take more bytes again after it could not.
    func writable()
    /// The connection is gone (the client closed it, it failed, or the server closed it):
    /// release everything. Called once, possibly before `start` when the client left
    /// before the head could be written; nothing may be written after it.
    func stop()
}

/// Where a `ResponseStream` writes: its connection, used only on `eventLoop`.
public struct StreamOutput: Sendable {
    /// The connection's event loop; every method below must be called on it.
    public let eventLoop: any EventLoop
    private let bound: NIOLoopBound<(handler: HTTPChannelHandler, context: ChannelHandlerContext)>

    init(handler: HTTPChannelHandler, context: ChannelHandlerContext) {
        eventLoop = context.eventLoop
        bound = NIOLoopBound((handler, context), eventLoop: context.eventLoop)
    }

    /// Whether the connection takes more bytes now without growing its buffer past the
    /// channel's high-water mark. Writers stop when it is false and go on at `writable()`.
    public var isWritable: Bool {
        bound.value.context.channel.isWritable
    }

    /// Queues `bytes` as a body part (sent at the next `flush`).
    public func write(_ bytes: ByteBuffer) {
        let (handler, context) = bound.value
        handler.writeStreamPart(bytes, context: context)
    }

    /// Sends what was written.
    public func flush() {
        bound.value.context.flush()
    }

    /// Ends the body, then closes the connection once the client has it (or after a
    /// grace period when it does not read).
    public func finish() {
        let (handler, context) = bound.value
        handler.finishStream(context: context)
    }
}
