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

    /// Steps each unfinished part gets per round before the next part's turn.
    static var roundStepsPerPart: Int { 20_000 }

    /// Checks `operations`.
    ///
    /// The parts are searched round-robin, a slice of steps each per round, so one hard
    /// part cannot hide an easy part that is not linearizable; the first part found not
    /// linearizable decides.
    public func check(_ operations: [HistoryOperation<Model.Input, Model.Output>]) -> LinearizabilityResult {
        let parts = model.partition(operations)
        var searches = parts.map { WingGongSearch(model: model, operations: $0) }
        var unfinished = Array(searches.indices)
        var budget = stepsMax
        while !unfinished.isEmpty && budget > 0 {
            var stillUnfinished: [Int] = []
            for index in unfinished {
                var slice = min(budget, Self.roundStepsPerPart)
                let sliceStart = slice
                let verdict = searches[index].run(budget: &slice)
                budget -= sliceStart - slice
                switch verdict {
                case .linearizable:
                    continue
                case .notLinearizable:
                    return LinearizabilityResult(
                        verdict: .notLinearizable, steps: stepsMax - budget,
                        partitionCount: parts.count, failingPartition: index)
                case .unknown:
                    stillUnfinished.append(index)
                }
            }
            unfinished = stillUnfinished
        }
        return LinearizabilityResult(
            verdict: unfinished.isEmpty ? .linearizable : .unknown, steps: stepsMax - budget,
            partitionCount: parts.count, failingPartition: unfinished.first)
    }
}
