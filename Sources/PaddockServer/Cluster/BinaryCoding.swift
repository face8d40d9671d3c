/// Little-endian fixed-width and length-prefixed writing for the cluster's own records
/// (directory changes, keepalive checkpoints, forwarded requests, snapshot envelopes).
struct BinaryWriter {
    private(set) var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }

    mutating func blob(_ value: [UInt8]) {
        u64(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func text(_ value: String) { blob(Array(value.utf8)) }
}

/// Reads what `BinaryWriter` wrote; every read checks the remaining length first, so
/// garbled input throws instead of crashing or allocating from an untrusted length.
struct BinaryReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func byte() throws(ClusterCodecError) -> UInt8 {
        guard offset < bytes.count else { throw ClusterCodecError("truncated at byte \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u64() throws(ClusterCodecError) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw ClusterCodecError("truncated at byte \(offset)") }
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[offset + i]) << UInt64(8 * i) }
        offset += 8
        return value
    }

    mutating func i64() throws(ClusterCodecError) -> Int64 { Int64(bitPattern: try u64()) }

    mutating func blob() throws(ClusterCodecError) -> [UInt8] {
        let count = try u64()
        guard count <= UInt64(bytes.count - offset) else {
            throw ClusterCodecError("a length of \(count) at byte \(offset) runs past the end")
        }
        defer { offset += Int(count) }
        return Array(bytes[offset..<offset + Int(count)])
    }

    mutating func text() throws(ClusterCodecError) -> String {
        let raw = try blob()
        guard let text = String(validating: raw, as: UTF8.self) else { throw ClusterCodecError("text at byte \(offset) is not UTF-8") }
        return text
    }

    /// A count of items that each take at least `itemBytesMin` bytes, checked against what is left.
    mutating func count(itemBytesMin: Int) throws(ClusterCodecError) -> Int {
        let count = try u64()
        guard count <= UInt64((bytes.count - offset) / max(1, itemBytesMin)) else {
            throw ClusterCodecError("a count of \(count) at byte \(offset) runs past the end")
        }
        return Int(count)
    }

    func expectEnd() throws(ClusterCodecError) {
        guard isAtEnd else { throw ClusterCodecError("\(bytes.count - offset) trailing bytes") }
    }
}

/// A cluster record or message that does not decode.
struct ClusterCodecError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
