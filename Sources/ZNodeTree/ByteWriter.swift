/// Appends values in Paddock's compact binary form.
///
/// Unsigned integers are LEB128 varints; signed ones are zigzag varints; byte strings and
/// text are a varint length then the bytes (text as UTF-8); optionals are preceded by a
/// presence byte 0 or 1.
struct ByteWriter {
    /// The bytes written so far.
    private(set) var bytes: [UInt8] = []

    /// An empty writer.
    init() {}

    /// Appends one byte.
    mutating func byte(_ value: UInt8) { bytes.append(value) }

    /// Appends a boolean as 0 or 1.
    mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// Appends an unsigned varint.
    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Appends a non-negative count or length.
    mutating func count(_ value: Int) {
        precondition(value >= 0, "negative count \(value)")
        varint(UInt64(value))
    }

    /// Appends a signed integer as a zigzag varint.
    mutating func signed(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Appends a length-prefixed byte string.
    mutating func data(_ value: [UInt8]) {
        count(value.count)
        bytes.append(contentsOf: value)
    }

    /// Appends length-prefixed UTF-8 text.
    mutating func text(_ value: String) {
        count(value.utf8.count)
        bytes.append(contentsOf: value.utf8)
    }

    /// Appends a path as text.
    mutating func path(_ value: ZNodePath) { text(value.string) }

    /// Appends a presence byte, then the value when present.
    mutating func optional<Value>(_ value: Value?, _ write: (inout ByteWriter, Value) -> Void) {
        if let value {
            bytes.append(1)
            write(&self, value)
        } else {
            bytes.append(0)
        }
    }
}
