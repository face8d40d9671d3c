import Synchronization

/// What a replica shares, under its lock, with the one thread that does its work (the
/// single node's writer, a cluster member's driver), to stop that thread.
protocol WorkerShutdownState {
    /// The worker sleeps waiting for work: whoever gives it work or stops it wakes it.
    var workerIdle: Bool { get set }
    /// The worker ended (drained, or failed) and closed the log.
    var workerExited: Bool { get }
    /// Callers of `shutdown()` waiting for the worker to end.
    var stopWaiters: [CheckedContinuation<Void, Never>] { get set }
    /// A serving replica takes no new work from now on; a stopping or failed one stays so.
    mutating func beginStopping()
}

extension Mutex where Value: WorkerShutdownState {
    /// Tells the worker to stop: calls `wake` when it sleeps, then returns once it ended
    /// (at once when it already had).
    func stopWorker(wake: () -> Void) async {
        let sleeping = withLock { state in
            state.beginStopping()
            let sleeping = state.workerIdle
            state.workerIdle = false
            return sleeping
        }
        if sleeping { wake() }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let exited = withLock { state in
                if state.workerExited { return true }
                state.stopWaiters.append(done)
                return false
            }
            if exited { done.resume() }
        }
    }
}
