/// The sequential specification a history is checked against.
///
/// A history is linearizable for a model when some total order of its operations respects
/// real time and replaying that order from `initialState` makes every `step` legal.
/// Operations with an unknown outcome may also be left out (they never took effect).
///
/// `step` must be a pure function: the checker caches its results per (state, operation).
public protocol SequentialModel: Sendable {
    /// The model's state; equal states must behave the same for every later operation.
    associatedtype State: Hashable & Sendable
    /// What a client asks for.
    associatedtype Input: Sendable
    /// What a client is told, including the model's notion of an unknown outcome.
    associatedtype Output: Sendable

    /// The state before any operation.
    var initialState: State { get }

    /// Applies `input` with observed `output` to `state`.
    ///
    /// - Returns: `ok` is false when the output cannot be observed from `state`; `state`
    ///   is then ignored. Otherwise the state after the operation.
    func step(_ state: State, input: Input, output: Output) -> (ok: Bool, state: State)

    /// Whether the operation leaves every state it is legal in unchanged (a read, a failed
    /// compare-and-set). The search may linearize such an operation as soon as it is legal
    /// without trying alternatives. Answering false is always safe.
    func isReadOnly(input: Input, output: Output) -> Bool

    /// Splits a history into parts that never interact, checked one by one (locality of
    /// linearizability). The parts must come in a deterministic order.
    func partition(
        _ operations: [HistoryOperation<Input, Output>]
    ) -> [[HistoryOperation<Input, Output>]]
}

extension SequentialModel {
    /// By default no operation is known to be read-only.
    public func isReadOnly(input: Input, output: Output) -> Bool { false }

    /// By default a history is one part.
    public func partition(
        _ operations: [HistoryOperation<Input, Output>]
    ) -> [[HistoryOperation<Input, Output>]] {
        [operations]
    }
}

/// Groups operations by a string key, in ascending key order, each group in input order.
///
/// Used by keyed models whose keys never interact.
func partitionByKey<Input, Output>(
    _ operations: [HistoryOperation<Input, Output>],
    key: (Input) -> String
) -> [[HistoryOperation<Input, Output>]] {
    var groups: [String: [HistoryOperation<Input, Output>]] = [:]
    for operation in operations {
        groups[key(operation.input), default: []].append(operation)
    }
    return groups.keys.sorted().map { groups[$0]! }
}
