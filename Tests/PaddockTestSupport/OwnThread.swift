import Foundation

/// Runs `work` (CPU-bound, or blocking: sockets, pipes, process waits) on a thread of its
/// own and returns what it computed.
///
/// The test runner calls test functions on Swift's cooperative pool, which has one
/// thread per core. A synchronous test that computes or blocks for seconds holds one of
/// those threads that long; on a 2-core machine two of them starve every suite beside
/// them, including live servers whose answers then miss their deadlines. On a thread of its own
/// the work competes for the cores like any other thread and the pool stays free.
///
/// `work` records no issues: it returns values and the test asserts on them, since the
/// runner ties an issue to its test through the task, which this thread does not have.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.stackSize = 16 << 20
        thread.start()
    }
}
