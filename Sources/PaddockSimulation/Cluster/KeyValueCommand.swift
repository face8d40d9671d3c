import RaftCore

/// A client's write to the simulated key/value state machine, as carried in a log entry.
///
/// Encoding (little-endian): kind (1 = write, 2 = compare-and-set), operation id (8 bytes),
/// key (1 byte), then the value (8 bytes) or the expected and new values (8 bytes each).
/// The operation id is unique per run, so the exactly-once checker can count applications.
struct KeyValueCommand: Equatable, Sendable {
    /// What the command does.
    enum Action: Equatable, Sendable {
        case write(Int)
        case compareAndSet(expected: Int, new: Int)
    }

    var operationID: UInt64
    var key: Int
    var action: Action

    /// The bytes of a log entry's payload.
    var encoded: [UInt8] {
        var bytes: [UInt8] = []
        switch action {
        case .write(let value):
            bytes.append(1)
            append(operationID, to: &bytes)
            bytes.append(UInt8(key))
            append(UInt64(bitPattern: Int64(value)), to: &bytes)
        case .compareAndSet(let expected, let new):
            bytes.append(2)
            append(operationID, to: &bytes)
            bytes.append(UInt8(key))
            append(UInt64(bitPattern: Int64(expected)), to: &bytes)
            append(UInt64(bitPattern: Int64(new)), to: &bytes)
        }
        return bytes
    }

    /// Decodes a payload; nil for anything else (a leader's empty no-op).
    init?(decoding bytes: [UInt8]) {
        guard bytes.count == 18 || bytes.count == 26 else { return nil }
        operationID = Self.read(bytes, at: 1)
        key = Int(bytes[9])
        let first = Int(Int64(bitPattern: Self.read(bytes, at: 10)))
        switch bytes[0] {
        case 1 where bytes.count == 18: action = .write(first)
        case 2 where bytes.count == 26: action = .compareAndSet(expected: first, new: Int(Int64(bitPattern: Self.read(bytes, at: 18))))
        default: return nil
        }
    }

    /// A command from its parts.
    init(operationID: UInt64, key: Int, action: Action) {
        precondition(key >= 0 && key < 256, "key \(key) out of range")
        self.operationID = operationID
        self.key = key
        self.action = action
    }

    private func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    private static func read(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[offset + i]) << UInt64(8 * i) }
        return value
    }
}
