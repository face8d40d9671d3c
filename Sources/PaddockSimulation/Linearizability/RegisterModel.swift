/// What a client asks of a register: read it, write it, or compare-and-set it.
public enum RegisterInput: Hashable, Sendable {
    /// Read the register named `key`.
    case read(key: String)
    /// Store `value` in the register named `key`.
    case write(key: String, value: Int)
    /// If the register named `key` holds `expected`, store `new`.
    case compareAndSet(key: String, expected: Int, new: Int)

    /// The register the operation is about.
    public var key: String {
        switch self {
        case .read(let key), .write(let key, _), .compareAndSet(let key, _, _): key
        }
    }
}

/// What a client is told by a register.
public enum RegisterOutput: Hashable, Sendable {
    /// A read's answer: the value, or `nil` when the register was never written.
    case value(Int?)
    /// A write succeeded, or a compare-and-set matched and stored its value.
    case ok
    /// A compare-and-set found a value other than the expected one and stored nothing.
    case failed
    /// No answer: the operation may have taken effect or not (a timeout, a crash).
    case unknown
}

/// Registers holding `nil` (never written) or an integer, one per key, as in Jepsen's
/// etcd test.
///
/// Keys never interact, so a history is split by key and the state is one register's
/// value. Legal steps from state `s`:
/// - read: answer `nil` needs `s == nil`, answer `v` needs `s == v`; unknown always.
/// - write `v`: always legal, state becomes `v` (also when unknown).
/// - compare-and-set `a → b`: `ok` needs `s == a` and stores `b`; `failed` needs
///   `s != a` (nil differs from every integer); unknown stores `b` only if `s == a`.
public struct RegisterModel: SequentialModel {
    /// A register model; every register starts as `nil`.
    public init() {}

    /// A register's value: `nil` until written.
    public var initialState: Int? { nil }

    /// One step of a register; see the type's summary for the rules.
    public func step(_ state: Int?, input: RegisterInput, output: RegisterOutput) -> (ok: Bool, state: Int?) {
        switch (input, output) {
        case (.read, .value(let seen)):
            return (seen == state, state)
        case (.read, .unknown):
            return (true, state)
        case (.write(_, let value), .ok), (.write(_, let value), .unknown):
            return (true, value)
        case (.compareAndSet(_, let expected, let new), .ok):
            return (state == expected, new)
        case (.compareAndSet(_, let expected, _), .failed):
            return (state != expected, state)
        case (.compareAndSet(_, let expected, let new), .unknown):
            return (true, state == expected ? new : state)
        default:
            // An answer the operation cannot give (a read that says "ok") is never legal.
            return (false, state)
        }
    }

    /// Reads and failed compare-and-sets never change the register.
    public func isReadOnly(input: RegisterInput, output: RegisterOutput) -> Bool {
        switch (input, output) {
        case (.read, _), (.compareAndSet, .failed): true
        default: false
        }
    }

    /// Splits by register key, keys in ascending order.
    public func partition(
        _ operations: [HistoryOperation<RegisterInput, RegisterOutput>]
    ) -> [[HistoryOperation<RegisterInput, RegisterOutput>]] {
        partitionByKey(operations) { $0.key }
    }
}
