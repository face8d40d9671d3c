import NIOCore
import NIOPosix
import Synchronization
import ZNodeTree

/// A value delivered once to one awaiting task, with an optional deadline.
///
/// Whoever finishes first (the event or the timer) wins; later calls do nothing. The
/// value may come before anyone awaits it; `result()` then returns at once.
final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiter: CheckedContinuation<Value, Never>?
        var done = false
        var timer: Scheduled<Void>?
    }

    private let state = Mutex(State())

    /// Delivers `value` unless a value was delivered already; returns whether it won.
    @discardableResult
    func finish(_ value: Value) -> Bool {
        let (won, waiter, timer): (Bool, CheckedContinuation<Value, Never>?, Scheduled<Void>?) = state.withLock { state in
            guard !state.done else { return (false, nil, nil) }
            state.done = true
            let waiter = state.waiter
            state.waiter = nil
            if waiter == nil { state.value = value }
            let timer = state.timer
            state.timer = nil
            return (true, waiter, timer)
        }
        timer?.cancel()
        waiter?.resume(returning: value)
        return won
    }

    /// Whether a value was delivered.
    var isDone: Bool { state.withLock { $0.done } }

    /// Runs `fire` after `afterMs` unless a value was delivered first.
    func scheduleTimeout(afterMs: Int64, _ fire: @escaping @Sendable () -> Void) {
        // An event loop's timer, because it can be cancelled: a long-poll answered early
        // must not keep its closure alive until the deadline.
        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .milliseconds(afterMs)) { fire() }
        let installed = state.withLock { state in
            guard !state.done else { return false }
            state.timer = timer
            return true
        }
        if !installed { timer.cancel() }
    }

    /// The value, waiting for it if needed.
    func result() async -> Value {
        await withCheckedContinuation { (waiter: CheckedContinuation<Value, Never>) in
            let ready: Value? = state.withLock { state in
                if let value = state.value { return value }
                state.waiter = waiter
                return nil
            }
            if let ready { waiter.resume(returning: ready) }
        }
    }
}

/// A task waiting for the hub's applied zxid to reach `zxid`; true when it did.
final class AppliedWaiter: Sendable {
    let zxid: Zxid
    private let shot = OneShot<Bool>()

    init(zxid: Zxid) { self.zxid = zxid }

    func finish(_ reached: Bool) { shot.finish(reached) }

    /// After `afterMs`: `cleanup`, then false, unless finished first.
    func scheduleTimeout(afterMs: Int64, cleanup: @escaping @Sendable () -> Void) {
        let shot = self.shot
        shot.scheduleTimeout(afterMs: afterMs) {
            cleanup()
            shot.finish(false)
        }
    }

    func result() async -> Bool { await shot.result() }
}
