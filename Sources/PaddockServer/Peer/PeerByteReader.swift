/// Reads what `PeerByteWriter` writes, throwing `PeerCodecError` on anything malformed.
///
/// Never traps on input and never allocates from an untrusted length: every length and
/// count is checked against the bytes that remain before anything is read or reserved.
/// Only canonical encodings are accepted (shortest varints, booleans 0 or 1, valid UTF-8),
/// so a decoded frame re-encodes to exactly the bytes it came from.
struct PeerByteReader {
    /// The input; valid only for the duration of the decode call that made the reader.
    private let bytes: UnsafeRawBufferPointer
    /// The next byte to read.
    private(set) var offset: Int = 0

    /// A reader at the start of `bytes`.
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The number of bytes not read yet.
    var remaining: Int { bytes.count - offset }

    /// An error at the current offset.
    func error(_ code: PeerCodecError.Code, _ message: String) -> PeerCodecError {
        PeerCodecError(code: code, message: message, offset: offset)
    }

    /// Reads one byte.
    mutating func byte() throws(PeerCodecError) -> UInt8 {
        guard offset < bytes.count else { throw error(.truncated, "expected a byte") }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads a big-endian 16-bit integer.
    mutating func uint16() throws(PeerCodecError) -> UInt16 {
        UInt16(truncatingIfNeeded: try fixed(byteCount: 2))
    }

    /// Reads a big-endian 64-bit integer.
    mutating func uint64() throws(PeerCodecError) -> UInt64 {
        try fixed(byteCount: 8)
    }

    /// Reads a big-endian integer of `byteCount` (at most 8) bytes.
    private mutating func fixed(byteCount: Int) throws(PeerCodecError) -> UInt64 {
        guard remaining >= byteCount else { throw error(.truncated, "expected \(byteCount) bytes, \(remaining) left") }
        var value: UInt64 = 0
        for i in 0..<byteCount { value = value << 8 | UInt64(bytes[offset + i]) }
        offset += byteCount
        return value
    }

    /// Reads an unsigned varint in its shortest form.
    mutating func varint() throws(PeerCodecError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            if shift == 63 && next > 1 { throw error(.invalidValue, "varint longer than 64 bits") }
            if shift > 0 && next == 0 { throw error(.invalidValue, "varint not in its shortest form") }
            value |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// Reads a varint that must fit an `Int` (an offset in bytes).
    mutating func int() throws(PeerCodecError) -> Int {
        let value = try varint()
        guard value <= UInt64(Int.max) else { throw error(.invalidValue, "\(value) does not fit an Int") }
        return Int(value)
    }

    /// Reads a count of items each at least `itemBytesMin` bytes long, so that it cannot
    /// exceed what remains.
    mutating func count(itemBytesMin: Int) throws(PeerCodecError) -> Int {
        let value = try varint()
        guard value <= UInt64(remaining / max(1, itemBytesMin)) else {
            throw error(.truncated, "count \(value) exceeds the \(remaining) bytes left")
        }
        return Int(value)
    }

    /// Reads a length-prefixed byte string.
    mutating func data() throws(PeerCodecError) -> [UInt8] {
        let length = try count(itemBytesMin: 1)
        defer { offset += length }
        return Array(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]))
    }

    /// Reads a length-prefixed string that must be valid UTF-8.
    mutating func string() throws(PeerCodecError) -> String {
        let start = offset
        let raw = try data()
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw PeerCodecError(code: .invalidValue, message: "string is not valid UTF-8", offset: start)
        }
        return text
    }

    /// Throws unless every byte has been read.
    func expectEnd() throws(PeerCodecError) {
        guard remaining == 0 else { throw error(.trailingBytes, "\(remaining) bytes after the frame") }
    }
}
