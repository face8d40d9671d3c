/// The exponential backoff with jitter slept between rounds of attempts.
///
/// Pure: the random source is passed in, so tests pin the values.
struct Backoff: Sendable {
    /// The first backoff, in ms.
    var initialMs: Int64
    /// The longest backoff, in ms.
    var maxMs: Int64

    /// The sleep before round `round` (1 for the first retry round), in ms: a random value
    /// in [half, all] of `min(maxMs, initialMs * 2^(round-1))`.
    func delayMs(round: Int, using generator: inout some RandomNumberGenerator) -> Int64 {
        precondition(round >= 1, "backoff round \(round) must be at least 1")
        let exponent = min(round - 1, 30)
        let (scaled, overflow) = initialMs.multipliedReportingOverflow(by: Int64(1) << exponent)
        let ceiling = max(1, overflow ? maxMs : min(maxMs, scaled))
        let floor = max(1, ceiling / 2)
        return Int64.random(in: floor...ceiling, using: &generator)
    }
}
