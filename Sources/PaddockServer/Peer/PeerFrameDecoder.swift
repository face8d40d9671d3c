import NIOCore

/// Splits a peer byte stream into `PeerFrame`s.
///
/// Checks each length prefix against `frameBytesMax` before waiting for the frame, so a
/// hostile length never makes the connection buffer more than the limit; any codec error
/// is thrown into the pipeline, where the inbound handler closes the connection.
struct PeerFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = PeerFrame

    /// The largest length prefix accepted.
    let frameBytesMax: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let prefix = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        let length = try PeerCodec.bodyLength(prefix: prefix, frameBytesMax: frameBytesMax)
        guard buffer.readableBytes >= PeerCodec.prefixBytes + length else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: PeerCodec.prefixBytes)
        let body = buffer.readSlice(length: length)!
        let frame = try body.withUnsafeReadableBytes { raw in
            try PeerCodec.decode(body: raw)
        }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial frame at EOF is dropped with the connection; nothing to deliver.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
