import NIOCore
import NIOHTTP1

/// Measures each request line before the HTTP decoder sees it, so a line past
/// `Limits.requestLineBytesMax` is answered 414 `URITooLong`.
///
/// Why: the decoder counts the target toward its header field limit, so a long enough
/// line fails there as a header overflow (431) before `HTTPChannelHandler` can measure it.
/// This handler stops forwarding at the first byte past the limit, marks itself
/// `isRefused` and fires a parser error, which `HTTPServerPipelineHandler` delivers in
/// request order; the connection handler sees `isRefused`, answers 414 and closes.
///
/// To find where each request starts it follows the framing just enough: the head ends
/// at an empty line, then `Content-Length` bytes of body are skipped. After a head it
/// cannot frame (chunked, or a `Content-Length` it cannot read) it stops measuring for
/// the rest of the connection and leaves everything to the decoder.
final class RequestLineGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum State {
        /// In a request line, `bytes` read so far.
        case requestLine(bytes: Int)
        /// In the headers; `line` holds the start of the current line (enough for a name
        /// and a length value), `lineBytes` its length so far.
        case headers(lineBytes: Int, bodyBytes: Int?)
        /// In a body, `remaining` bytes to skip.
        case body(remaining: Int)
        /// Not measuring any more (cannot frame, or refused).
        case passive
        /// Refused: input is dropped.
        case refused
    }

    private let lineBytesMax: Int
    private var state = State.requestLine(bytes: 0)
    /// The start of the header line being read (outside `state`, so appending to it does
    /// not copy it).
    private var line: [UInt8] = []
    /// Bytes kept of a header line: enough for `content-length:` and any sane value.
    private static let keptLineBytes = 64

    /// A request line passed the limit; nothing after it is forwarded.
    var isRefused: Bool {
        if case .refused = state { return true }
        return false
    }

    init(lineBytesMax: Int) {
        self.lineBytesMax = lineBytesMax
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .refused = state { return }
        let buffer = unwrapInboundIn(data)
        if case .passive = state {
            context.fireChannelRead(data)
            return
        }
        var forwardable = buffer.readableBytes
        buffer.withUnsafeReadableBytes { bytes in
            var index = 0
            while index < bytes.count {
                switch state {
                case .requestLine(let count):
                    guard let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else {
                        let total = count + bytes.count - index
                        if total > lineBytesMax + 1 {  // As below: a CR may end the line.
                            forwardable = index + max(0, lineBytesMax + 1 - count)
                            state = .refused
                        } else {
                            state = .requestLine(bytes: total)
                        }
                        index = bytes.count
                        continue
                    }
                    let total = count + newline - index
                    if total > lineBytesMax + 1 {  // The CR before the LF is not counted.
                        forwardable = index + max(0, lineBytesMax + 1 - count)
                        state = .refused
                        index = bytes.count
                        continue
                    }
                    // Empty lines before a request line are allowed and skipped.
                    state = total <= 1 ? .requestLine(bytes: 0) : .headers(lineBytes: 0, bodyBytes: nil)
                    line.removeAll(keepingCapacity: true)
                    index = newline + 1
                case .headers(let lineBytes, var bodyBytes):
                    guard let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else {
                        keep(bytes[index...])
                        state = .headers(lineBytes: lineBytes + bytes.count - index, bodyBytes: bodyBytes)
                        index = bytes.count
                        continue
                    }
                    keep(bytes[index..<newline])
                    let total = lineBytes + newline - index
                    index = newline + 1
                    if line.last == UInt8(ascii: "\r") { line.removeLast() }
                    if line.isEmpty {
                        state = (bodyBytes ?? 0) > 0 ? .body(remaining: bodyBytes ?? 0) : .requestLine(bytes: 0)
                        continue
                    }
                    if Self.frames(line, complete: total <= Self.keptLineBytes, bodyBytes: &bodyBytes) {
                        state = .headers(lineBytes: 0, bodyBytes: bodyBytes)
                        line.removeAll(keepingCapacity: true)
                    } else {
                        state = .passive
                        index = bytes.count
                    }
                case .body(let remaining):
                    let skipped = min(remaining, bytes.count - index)
                    index += skipped
                    state = remaining == skipped ? .requestLine(bytes: 0) : .body(remaining: remaining - skipped)
                case .passive, .refused:
                    index = bytes.count
                }
            }
        }
        if forwardable < buffer.readableBytes {
            if forwardable > 0, let slice = buffer.getSlice(at: buffer.readerIndex, length: forwardable) {
                context.fireChannelRead(wrapInboundOut(slice))
            }
            context.fireErrorCaught(HTTPParserError.invalidURL)
            return
        }
        context.fireChannelRead(data)
    }

    /// Keeps the first `keptLineBytes` of the current header line.
    private func keep(_ bytes: Slice<UnsafeRawBufferPointer>) {
        let room = Self.keptLineBytes - line.count
        if room > 0 { line.append(contentsOf: bytes.prefix(room)) }
    }

    /// Reads one header line (`complete` false when only its start was kept): false when
    /// the body cannot be framed here (chunked, or an unreadable `Content-Length`).
    ///
    /// Works on the bytes, without building strings: it runs for every header line.
    private static func frames(_ line: [UInt8], complete: Bool, bodyBytes: inout Int?) -> Bool {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return !complete }
        let name = line[..<colon]
        if equalsIgnoringASCIICase(name, contentLength) {
            guard complete, let count = decimal(trimmed(line[(colon + 1)...])), bodyBytes == nil || bodyBytes == count
            else { return false }
            bodyBytes = count
            return true
        }
        return !equalsIgnoringASCIICase(name, transferEncoding)
    }

    private static let contentLength = Array("content-length".utf8)
    private static let transferEncoding = Array("transfer-encoding".utf8)

    /// Whether `bytes` spell `lowercase` in any ASCII case.
    private static func equalsIgnoringASCIICase(_ bytes: ArraySlice<UInt8>, _ lowercase: [UInt8]) -> Bool {
        guard bytes.count == lowercase.count else { return false }
        return zip(bytes, lowercase).allSatisfy { byte, expected in
            let folded = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
            return folded == expected
        }
    }

    /// `bytes` without leading and trailing spaces and tabs.
    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return [] }
        return bytes[first...last]
    }

    /// The non-negative decimal `bytes` spell (at most 18 digits), or nil.
    private static func decimal(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
