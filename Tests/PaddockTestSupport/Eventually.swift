/// Polls `condition` every `pollMs` until it holds or `timeoutMs` passes; returns whether
/// it held. A condition that throws counts as not holding yet.
///
/// Bounded: at most `timeoutMs / pollMs + 1` polls, each after a sleep of the task.
public func eventually(
    timeoutMs: Int = 20_000, pollMs: Int = 5, _ condition: () async throws -> Bool
) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMs))
    for _ in 0..<(timeoutMs / max(pollMs, 1) + 1) where ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: .milliseconds(pollMs))
    }
    return (try? await condition()) == true
}
