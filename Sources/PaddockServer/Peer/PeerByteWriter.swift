/// Appends the primitive encodings of the peer wire format to a byte array.
///
/// Integers are unsigned LEB128 varints (7 bits a byte, low group first) unless they are
/// member ids, which are hashes and so are written as 8 big-endian bytes.
struct PeerByteWriter {
    /// The bytes written so far.
    var bytes: [UInt8]

    /// A writer appending to `bytes`.
    init(bytes: [UInt8] = []) { self.bytes = bytes }

    /// Makes room for `byteCount` more bytes, growing at least geometrically so that
    /// reserving before each of many appended frames stays linear overall.
    mutating func reserve(_ byteCount: Int) {
        let needed = bytes.count + byteCount
        guard needed > bytes.capacity else { return }
        bytes.reserveCapacity(max(needed, 2 * bytes.capacity))
    }

    /// Writes one byte.
    mutating func byte(_ value: UInt8) { bytes.append(value) }

    /// Writes a big-endian 16-bit integer.
    mutating func uint16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    /// Writes a big-endian 32-bit integer.
    mutating func uint32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// Writes a big-endian 64-bit integer.
    mutating func uint64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Writes an unsigned varint in its shortest form.
    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Writes a non-negative count or length as a varint.
    mutating func count(_ value: Int) {
        precondition(value >= 0, "negative count \(value)")
        varint(UInt64(value))
    }

    /// Writes a length-prefixed byte string.
    mutating func data(_ value: [UInt8]) {
        count(value.count)
        bytes.append(contentsOf: value)
    }

    /// Writes a length-prefixed UTF-8 string.
    mutating func string(_ value: String) {
        count(value.utf8.count)
        bytes.append(contentsOf: value.utf8)
    }
}
