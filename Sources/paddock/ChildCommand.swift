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
    /// - Throws: `SpawnFailure` when the command cannot be started (not found, not
    ///   executable).
    static func run(
        _ command: [String], environment: [String: String], graceMs: Int64,
        until ended: @escaping @Sendable () async -> Bool
    ) async throws -> Outcome {
        precondition(!command.isEmpty, "a child command needs at least its name")
        // Stopping paddock stops the command first, so the lock is released (or the
        // leadership resigned) when it exits rather than when the session's TTL passes.
        // The signals are caught before the command starts: a SIGTERM that came between
        // the start and the handlers would otherwise end paddock and leave the command
        // running (its pid is known to the world as soon as it runs).
        let forwarding = SignalForwarding([SIGINT, SIGTERM, SIGHUP])
        defer { forwarding.cancel() }
        await forwarding.registered()
        let exit = ExitWatch()
        let pid = try spawn(command, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
        forwarding.start(forwardingTo: pid)
        // A thread of its own waits for the exit: waitpid blocks. It waits without reaping
        // first and stops the forwarding before the reap, so no signal is ever passed on to
        // a pid that another process may have taken.
        let waiter = Thread {
            var info = siginfo_t()
            // Bounded: both return once the child exits; EINTR only repeats them.
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1, errno == EINTR {}
            forwarding.childExited()
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1, errno == EINTR {}
            exit.exited(ChildCommand.exitStatus(status))
        }
        waiter.start()

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

/// Why a command could not be started.
struct SpawnFailure: Error, CustomStringConvertible {
    /// The command's name.
    var command: String
    /// The `errno` of `posix_spawnp`.
    var code: Int32

    var description: String { "cannot run \(command): \(String(cString: strerror(code)))" }
}

extension ChildCommand {
    /// Starts `command` with `posix_spawnp`, with an empty signal mask and every signal's
    /// default action.
    ///
    /// Why not `Foundation.Process`: it starts the child from the calling thread, whose
    /// blocked signals (a thread of the concurrency pool blocks most of them) and ignored
    /// ones (this process ignores SIGPIPE) the child would inherit, so SIGTERM would not
    /// stop it and its pipes would not end it.
    /// - Throws: `SpawnFailure`.
    static func spawn(_ command: [String], environment: [String: String]) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] =
            environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        let code = posix_spawnp(&pid, command[0], nil, &attributes, argv, envp)
        guard code == 0 else { throw SpawnFailure(command: command[0], code: code) }
        return pid
    }

    /// The status a shell reports for a `waitpid` status: the exit code, or 128 + the
    /// signal that ended the process.
    static func exitStatus(_ status: Int32) -> Int32 {
        let signalNumber = status & 0x7f
        return signalNumber == 0 ? (status >> 8) & 0xff : 128 + signalNumber
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

/// Catches signals for a child command and passes them on to it; one that comes before
/// the child runs is passed on as soon as it does.
///
/// `@unchecked Sendable`: the sources are created in `init` and only cancelled after; the
/// mutable state is behind `state`.
final class SignalForwarding: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]
    private let state: Mutex<ForwardingState>

    private struct ForwardingState {
        /// The child to pass signals on to, while it runs.
        var pid: pid_t?
        /// Whether a child was started at all.
        var everRan = false
        /// Signals caught before the child ran.
        var pending: [Int32] = []
        var registered = 0
        var waiter: CheckedContinuation<Void, Never>?
        let numbers: [Int32]
    }

    /// Ignores `signals` (so none ends this process before its handler is in place) and
    /// starts catching them.
    init(_ signals: [Int32]) {
        sources = ignoredSignalSources(signals)
        state = Mutex(ForwardingState(numbers: signals))
        for (source, number) in zip(sources, signals) {
            source.setEventHandler { [weak self] in self?.caught(number) }
            source.setRegistrationHandler { [weak self] in self?.didRegister() }
            source.resume()
        }
    }

    /// Returns once every signal's handler is in place.
    func registered() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if state.registered >= sources.count { return true }
                state.waiter = waiter
                return false
            }
            if done { waiter.resume() }
        }
    }

    /// Passes on to `pid` what was caught so far and everything caught from now on.
    func start(forwardingTo pid: pid_t) {
        let pending = state.withLock { state -> [Int32] in
            state.pid = pid
            state.everRan = true
            defer { state.pending = [] }
            return state.pending
        }
        for number in pending { kill(pid, number) }
    }

    /// The child exited: nothing is passed on from now on.
    func childExited() {
        state.withLock { $0.pid = nil }
    }

    /// Stops catching: the signals get their default action back, so paddock can still be
    /// interrupted while it releases the lock. A signal caught while no child ever ran
    /// (the start failed) is raised again, now with that default action.
    func cancel() {
        for source in sources { source.cancel() }
        let (unanswered, numbers) = state.withLock { state -> ([Int32], [Int32]) in
            let unanswered = state.everRan ? [] : state.pending
            state.pending = []
            return (unanswered, state.numbers)
        }
        for number in numbers { signal(number, SIG_DFL) }
        for number in unanswered { raise(number) }
    }

    private func didRegister() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.registered += 1
            guard state.registered >= sources.count else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    private func caught(_ number: Int32) {
        let pid = state.withLock { state -> pid_t? in
            if state.pid == nil && !state.everRan { state.pending.append(number) }
            return state.pid
        }
        if let pid { kill(pid, number) }
    }
}
