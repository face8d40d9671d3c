import RaftCore

/// The small replicated state machine of the simulation: a few integer registers, each
/// `nil` until written, changed by `KeyValueCommand`s from the log.
struct KeyValueStateMachine: Equatable, Sendable {
    /// The registers by key; `nil` means never written.
    private(set) var values: [Int?]

    /// A machine with `keyCount` unwritten registers.
    init(keyCount: Int) {
        values = Array(repeating: nil, count: keyCount)
    }

    /// Applies one committed entry.
    ///
    /// - Returns: the command's operation id and what its client is told, or nil for an
    ///   entry that is not a command (a no-op, a membership change).
    mutating func apply(_ entry: LogEntry) -> (operationID: UInt64, output: RegisterOutput)? {
        guard entry.kind == .normal, let command = KeyValueCommand(decoding: entry.data) else { return nil }
        precondition(command.key < values.count, "command for key \(command.key) of \(values.count)")
        switch command.action {
        case .write(let value):
            values[command.key] = value
            return (command.operationID, .ok)
        case .compareAndSet(let expected, let new):
            guard values[command.key] == expected else { return (command.operationID, .failed) }
            values[command.key] = new
            return (command.operationID, .ok)
        }
    }

    /// The machine's state as bytes: per key a presence byte and 8 value bytes.
    var snapshot: [UInt8] {
        var bytes: [UInt8] = []
        for value in values {
            bytes.append(value == nil ? 0 : 1)
            let raw = UInt64(bitPattern: Int64(value ?? 0))
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: raw >> UInt64(shift))) }
        }
        return bytes
    }

    /// Replaces the state with a snapshot made by `snapshot`.
    mutating func restore(_ bytes: [UInt8]) {
        precondition(bytes.count == values.count * 9, "snapshot of \(bytes.count) bytes for \(values.count) keys")
        for key in values.indices {
            let base = key * 9
            var raw: UInt64 = 0
            for i in 0..<8 { raw |= UInt64(bytes[base + 1 + i]) << UInt64(8 * i) }
            values[key] = bytes[base] == 0 ? nil : Int(Int64(bitPattern: raw))
        }
    }
}
