import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A command run by `paddock lock` and `paddock elect` while the lock or the leadership
/// lasts, stopped when it ends early.
enum ChildCommand {
    /// How the command ended.
    enum Outcome: Equatable {
        /// It exited by itself with this status (128 + the signal when a signal ended it).
        case exited(Int32)
        /// The lock or the leadership ended first and the command was stopped.
        case stopped
    }

    /// Runs `command` (looked up in `PATH`) with `environment` added to this process's,
    /// with this process's standard input, output and error. When `ended` returns true
    /// before the command exits, sends it SIGTERM, and SIGKILL after `graceMs`.
    ///
    /// - Throws: the error of starting the command (`/usr/bin/env` missing). A command
    ///   that cannot be found exits with 127, as in a shell.
    static func run(
        _ command: [String], environment: [String: String], graceMs: Int64,
        until ended: @escaping @Sendable () async -> Bool
    ) async throws -> Outcome {
        precondition(!command.isEmpty, "a child command needs at least its name")
        let process = Process()
        // env(1) looks the command up in PATH and replaces itself with it (same pid).
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["--"] + command
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let exit = ExitWatch()
        process.terminationHandler = { finished in
            let status = finished.terminationStatus
            exit.exited(finished.terminationReason == .uncaughtSignal ? 128 + status : status)
        }
        try process.run()
        let pid = process.processIdentifier

        enum Event: Sendable { case exited(Int32), ended }
        let first: Event = await withTaskGroup(of: Event?.self) { group in
            group.addTask { await exit.wait().map(Event.exited) }
            group.addTask { await ended() ? .ended : nil }
            // Bounded: two children; the exit watch answers nil only when cancelled.
            for await event in group {
                if let event {
                    group.cancelAll()
                    return event
                }
            }
            return .ended
        }
        if case .exited(let status) = first { return .exited(status) }

        kill(pid, SIGTERM)
        let graceful: Int32? = await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await exit.wait() }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(graceMs))
                return nil
            }
            let status = await group.next() ?? nil
            group.cancelAll()
            return status
        }
        if graceful == nil {
            kill(pid, SIGKILL)
            _ = await exit.wait()
        }
        return .stopped
    }
}

/// The exit status of a child process, for any number of waiters.
final class ExitWatch: Sendable {
    private struct State {
        var status: Int32?
        var waiters: [Int: CheckedContinuation<Int32?, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    /// Records the status and wakes every waiter.
    func exited(_ status: Int32) {
        let waiters = state.withLock { state in
            state.status = status
            defer { state.waiters.removeAll() }
            return state.waiters.sorted { $0.key < $1.key }.map(\.value)
        }
        for waiter in waiters { waiter.resume(returning: status) }
    }

    /// The status once the process exited; nil when the waiting task is cancelled first.
    func wait() async -> Int32? {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
                let resumeNow: Int32?? = self.state.withLock { state in
                    if let status = state.status { return .some(status) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let resumeNow { continuation.resume(returning: resumeNow) }
            }
        } onCancel: {
            let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }
}
