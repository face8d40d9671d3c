/// Decides whether a history of concurrent operations is linearizable for a model.
///
/// The model splits the history into parts that never interact; each part is searched on
/// its own (Wing–Gong with Lowe's cache, see `WingGongSearch`) and the history is
/// linearizable exactly when every part is. The search is exponential in the worst case,
/// so it runs under a step budget and answers `unknown` rather than run forever.
public struct LinearizabilityChecker<Model: SequentialModel>: Sendable {
    /// The default step budget: enough for every test vector by a wide margin, and a few
    /// seconds of work at most.
    public static var defaultStepsMax: Int { 50_000_000 }

    /// The sequential specification.
    public let model: Model
    /// The most search steps to spend over all parts before answering `unknown`.
    public let stepsMax: Int

    /// A checker for `model` that spends at most `stepsMax` search steps per history.
    ///
    /// - Precondition: `stepsMax` is positive.
    public init(model: Model, stepsMax: Int = LinearizabilityChecker.defaultStepsMax) {
        precondition(stepsMax > 0, "stepsMax must be positive, got \(stepsMax)")
        self.model = model
        self.stepsMax = stepsMax
    }

    /// Checks `operations`; stops at the first part that is not linearizable.
    public func check(_ operations: [HistoryOperation<Model.Input, Model.Output>]) -> LinearizabilityResult {
        let parts = model.partition(operations)
        var budget = stepsMax
        for (index, part) in parts.enumerated() {
            var search = WingGongSearch(model: model, operations: part)
            let verdict = search.run(budget: &budget)
            if verdict != .linearizable {
                return LinearizabilityResult(
                    verdict: verdict, steps: stepsMax - budget,
                    partitionCount: parts.count, failingPartition: index)
            }
        }
        return LinearizabilityResult(
            verdict: .linearizable, steps: stepsMax - budget,
            partitionCount: parts.count, failingPartition: nil)
    }
}
