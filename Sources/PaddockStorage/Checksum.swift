import RaftCore

/// A running CRC-32 over fields in a fixed byte order, so that stored checksums do not
/// depend on the machine that wrote them.
struct Checksum {
    /// The CRC-32 so far.
    private(set) var value: UInt32 = 0

    /// Adds a 64-bit integer, big-endian.
    mutating func add(_ number: UInt64) {
        withUnsafeBytes(of: number.bigEndian) { raw in
            value = Compression.crc32(continuing: value, raw.bindMemory(to: UInt8.self))
        }
    }

    /// Adds one byte.
    mutating func add(byte: UInt8) {
        withUnsafeBytes(of: byte) { raw in
            value = Compression.crc32(continuing: value, raw.bindMemory(to: UInt8.self))
        }
    }

    /// Adds raw bytes.
    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        value = Compression.crc32(continuing: value, bytes)
    }

    /// Adds raw bytes.
    mutating func add(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { add($0) }
    }

    /// The row checksum of a log entry: CRC-32 of index and term (8 bytes each,
    /// big-endian) | kind | data.
    ///
    /// The index is covered so that a row found at another index than the one it was
    /// written at (rows swapped or renumbered by damage) fails, even when the terms agree.
    static func entry(index: LogIndex, term: Term, kind: UInt8, data: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var sum = Checksum()
        sum.add(index.rawValue)
        sum.add(term.rawValue)
        sum.add(byte: kind)
        sum.add(data)
        return sum.value
    }

    /// The row checksum of the hard state: CRC-32 of term | vote (0 for none) | commit.
    static func hardState(_ state: HardState) -> UInt32 {
        var sum = Checksum()
        sum.add(state.term.rawValue)
        sum.add(state.vote?.rawValue ?? 0)
        sum.add(state.commit.rawValue)
        return sum.value
    }

    /// The checksum of a snapshot: CRC-32 of index | term | configuration length |
    /// configuration | data length | uncompressed data.
    static func snapshot(_ snapshot: SnapshotRecord) -> UInt32 {
        var sum = Checksum()
        sum.add(snapshot.index.rawValue)
        sum.add(snapshot.term.rawValue)
        sum.add(UInt64(snapshot.configuration.count))
        sum.add(snapshot.configuration)
        sum.add(UInt64(snapshot.data.count))
        sum.add(snapshot.data)
        return sum.value
    }
}
