/// What a client asks of a string key/value map.
public enum KeyValueInput: Hashable, Sendable {
    /// Read the value of `key`.
    case get(key: String)
    /// Replace the value of `key`.
    case put(key: String, value: String)
    /// Add `value` to the end of the value of `key`.
    case append(key: String, value: String)

    /// The key the operation is about.
    public var key: String {
        switch self {
        case .get(let key), .put(let key, _), .append(let key, _): key
        }
    }
}

/// What a client is told by the key/value map.
public enum KeyValueOutput: Hashable, Sendable {
    /// A get's answer (`""` for a key never written).
    case value(String)
    /// A put or append completed.
    case ok
    /// No answer: the operation may have taken effect or not.
    case unknown
}

/// A map from string keys to strings with get, put and append (as in Porcupine's
/// key/value histories). A key never written reads as `""`.
///
/// Keys never interact, so a history is split by key and the state is one key's value.
public struct KeyValueModel: SequentialModel {
    /// A key/value model; every key starts as `""`.
    public init() {}

    /// One key's value before any write.
    public var initialState: String { "" }

    /// get needs the answer to equal the value; put replaces; append concatenates.
    public func step(_ state: String, input: KeyValueInput, output: KeyValueOutput) -> (ok: Bool, state: String) {
        switch (input, output) {
        case (.get, .value(let seen)):
            return (seen == state, state)
        case (.get, .unknown):
            return (true, state)
        case (.put(_, let value), .ok), (.put(_, let value), .unknown):
            return (true, value)
        case (.append(_, let value), .ok), (.append(_, let value), .unknown):
            return (true, state + value)
        default:
            return (false, state)
        }
    }

    /// Gets never change the map.
    public func isReadOnly(input: KeyValueInput, output: KeyValueOutput) -> Bool {
        if case .get = input { return true }
        return false
    }

    /// Splits by key, keys in ascending order.
    public func partition(
        _ operations: [HistoryOperation<KeyValueInput, KeyValueOutput>]
    ) -> [[HistoryOperation<KeyValueInput, KeyValueOutput>]] {
        partitionByKey(operations) { $0.key }
    }
}
