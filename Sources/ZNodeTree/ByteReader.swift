/// Reads what `ByteWriter` writes, throwing `CodecError` on anything malformed.
///
/// Never traps on input: every length is checked against the bytes that remain before
/// anything is allocated, and varints longer than 64 bits are rejected.
struct ByteReader {
    /// The input.
    private let bytes: [UInt8]
    /// The next byte to read.
    private(set) var offset: Int = 0

    /// A reader at the start of `bytes`.
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The number of bytes not read yet.
    var remaining: Int { bytes.count - offset }

    /// An error at the current offset.
    func error(_ code: CodecError.Code, _ message: String) -> CodecError {
        CodecError(code: code, message: message, offset: offset)
    }

    /// Reads one byte.
    mutating func byte() throws(CodecError) -> UInt8 {
        guard offset < bytes.count else { throw error(.truncated, "expected a byte") }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads a boolean (0 or 1).
    mutating func bool() throws(CodecError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        case let other: throw error(.invalidValue, "boolean byte \(other)")
        }
    }

    /// Reads an unsigned varint.
    mutating func varint() throws(CodecError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            if shift == 63 && next > 1 { throw error(.invalidValue, "varint longer than 64 bits") }
            value |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// Reads a count or length of items each at least `itemBytesMin` bytes long, so that
    /// it cannot exceed what remains.
    mutating func count(itemBytesMin: Int = 1) throws(CodecError) -> Int {
        let value = try varint()
        guard value <= UInt64(remaining / max(1, itemBytesMin)) else {
            throw error(.truncated, "count \(value) exceeds the \(remaining) bytes left")
        }
        return Int(value)
    }

    /// Reads a signed (zigzag) integer.
    mutating func signed() throws(CodecError) -> Int64 {
        let value = try varint()
        return Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    /// Reads a length-prefixed byte string.
    mutating func data() throws(CodecError) -> [UInt8] {
        let length = try count()
        defer { offset += length }
        return Array(bytes[offset..<offset + length])
    }

    /// Reads length-prefixed text, which must be valid UTF-8.
    mutating func text() throws(CodecError) -> String {
        let start = offset
        let raw = try data()
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw CodecError(code: .invalidValue, message: "text is not valid UTF-8", offset: start)
        }
        return text
    }

    /// Reads a path; it must satisfy `ZNodePath`'s rules (length is not limited here).
    mutating func path() throws(CodecError) -> ZNodePath {
        let start = offset
        let text = try text()
        do {
            return try ZNodePath(validating: text, bytesMax: Int.max)
        } catch {
            throw CodecError(code: .invalidValue, message: "invalid path: \(error.message)", offset: start)
        }
    }

    /// Reads a presence byte, then the value when present.
    mutating func optional<Value>(
        _ read: (inout ByteReader) throws(CodecError) -> Value
    ) throws(CodecError) -> Value? {
        guard try bool() else { return nil }
        return try read(&self)
    }

    /// Throws unless every byte has been read.
    func expectEnd() throws(CodecError) {
        guard remaining == 0 else { throw error(.trailingBytes, "\(remaining) bytes after the end") }
    }
}
