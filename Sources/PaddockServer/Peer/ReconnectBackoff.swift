/// How long a peer link waits before dialing again: exponential backoff with jitter.
///
/// The n-th consecutive failure waits a random time in `[ceiling/2, ceiling]` (never below
/// `minMs`), where `ceiling = min(maxMs, minMs * 2^n)`. The jitter keeps members that lost
/// a peer at the same moment from dialing it in lockstep. Pure: the caller supplies the
/// randomness, so tests pin the sequence.
///
/// Invariant: `0 < minMs <= maxMs`, and every delay lies in `[minMs, maxMs]`.
struct ReconnectBackoff: Sendable, Equatable {
    /// The shortest wait, in ms.
    let minMs: Int64
    /// The longest wait, in ms.
    let maxMs: Int64
    /// Consecutive failures since the last reset.
    private(set) var failures: Int = 0

    /// A backoff at its shortest wait.
    init(minMs: Int64, maxMs: Int64) {
        precondition(minMs > 0 && minMs <= maxMs, "backoff bounds \(minMs)...\(maxMs)")
        self.minMs = minMs
        self.maxMs = maxMs
    }

    /// The wait before the next dial, counting one more failure.
    mutating func nextDelayMs(using generator: inout some RandomNumberGenerator) -> Int64 {
        let doublings = min(failures, 62)
        failures += 1
        let (scaled, overflow) = minMs.multipliedReportingOverflow(by: Int64(1) << Int64(doublings))
        let ceiling = overflow ? maxMs : min(maxMs, scaled)
        let floor = max(minMs, ceiling / 2)
        let delay = Int64.random(in: floor...ceiling, using: &generator)
        precondition(delay >= minMs && delay <= maxMs, "backoff delay \(delay) outside \(minMs)...\(maxMs)")
        return delay
    }

    /// Back to the shortest wait, after a connection that stayed up.
    mutating func reset() { failures = 0 }
}
