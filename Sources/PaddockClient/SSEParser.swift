/// One Server-Sent Events message: its `event`, its `data` lines joined by newlines, and its
/// `id` when the message carried one.
struct SSEMessage: Sendable, Equatable {
    /// The `event:` field, or nil (the default type, `message`).
    var event: String?
    /// The `data:` lines, joined with `\n`.
    var data: String
    /// The `id:` field of this message, when it had one.
    var id: String?
}

/// An incremental parser of `text/event-stream` bytes (the WHATWG HTML event-stream rules).
///
/// Feed it chunks as they arrive (a line may be split anywhere across chunks); it returns
/// the messages completed by each chunk. Lines end with LF, CR LF or CR; lines starting
/// with `:` are comments (heartbeats); a blank line ends a message; a message without data
/// lines is not dispatched. The line buffer is bounded by `lineBytesMax`.
struct SSEParser {
    /// The longest line accepted, in bytes.
    let lineBytesMax: Int
    private var line: [UInt8] = []
    private var afterCR = false
    private var event: String?
    private var dataLines: [String] = []
    private var hasData = false
    private var id: String?

    /// A parser for lines up to `lineBytesMax` bytes.
    init(lineBytesMax: Int = 16 << 20) {
        self.lineBytesMax = lineBytesMax
    }

    /// Feeds `bytes`; returns the messages they complete.
    ///
    /// - Throws: `PaddockError` `.invalidResponse` for a line past `lineBytesMax`.
    mutating func feed(_ bytes: some Sequence<UInt8>) throws(PaddockError) -> [SSEMessage] {
        var messages: [SSEMessage] = []
        for byte in bytes {
            if afterCR {
                afterCR = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0A:
                if let message = endLine() { messages.append(message) }
            case 0x0D:
                afterCR = true
                if let message = endLine() { messages.append(message) }
            default:
                guard line.count < lineBytesMax else {
                    throw PaddockError(.invalidResponse, "an event-stream line is longer than \(lineBytesMax) bytes")
                }
                line.append(byte)
            }
        }
        return messages
    }

    /// Forgets any partial line and message (after the connection broke).
    mutating func reset() {
        self = SSEParser(lineBytesMax: lineBytesMax)
    }

    private mutating func endLine() -> SSEMessage? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            defer {
                event = nil
                dataLines = []
                hasData = false
                id = nil
            }
            guard hasData else { return nil }
            return SSEMessage(event: event, data: dataLines.joined(separator: "\n"), id: id)
        }
        if line.first == UInt8(ascii: ":") { return nil }
        let text = String(decoding: line, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = text[...]
            value = ""
        }
        switch field {
        case "event": event = String(value)
        case "data":
            dataLines.append(String(value))
            hasData = true
        case "id":
            if !value.contains("\u{0}") { id = String(value) }
        default: break
        }
        return nil
    }
}
