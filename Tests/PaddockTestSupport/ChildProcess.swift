import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process for tests: started with `posix_spawn`, its output read by threads of
/// its own, and reaped by a thread of its own.
///
/// Foundation's `Process` and `FileHandle.readabilityHandler` watch their descriptors with
/// Dispatch sources; with many children started and killed at once beside live servers, a
/// pipe closed while its source was still registered crashed the test process inside
/// Dispatch's event loop. Plain threads with blocking `read` and `waitid` have no such
/// registration to outlive.
///
/// The pid is never signalled after it was reaped: the reaper waits without reaping,
/// then reaps under the lock that `signal(_:)` takes, so a reused pid cannot be hit.
public final class ChildProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t

    private let exit = ExitBox()
    private let stdoutReader: PipeReader?
    private let stderrReader: PipeReader?

    /// Where a child's standard output or error goes.
    public enum Output: Sendable {
        /// Read into memory; available through `standardOutput()` / `standardError()`.
        case capture
        /// Read, each chunk handed to `handler` as it arrives (and kept, as `capture`).
        case stream(@Sendable (String) -> Void)
        /// `/dev/null`.
        case discard
    }

    /// Starts `executable` with `arguments`.
    ///
    /// - Parameters:
    ///   - environment: variables to set or replace on top of this process's environment;
    ///     `removing` names variables to leave out.
    ///   - stdin: bytes the child reads on standard input, then end of file (nil: `/dev/null`).
    ///   - mergeStandardError: standard error goes where standard output goes.
    /// - Throws: `ChildProcessError` when a pipe cannot be made or the spawn fails.
    public init(
        executable: String, arguments: [String], environment: [String: String] = [:], removing: Set<String> = [],
        stdin: String? = nil, stdout: Output = .capture, stderr: Output = .capture, mergeStandardError: Bool = false
    ) throws {
        var variables = ProcessInfo.processInfo.environment
        for name in removing { variables.removeValue(forKey: name) }
        for (name, value) in environment { variables[name] = value }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Descriptors the parent closes once the child holds its copies.
        var childEnds: [Int32] = []
        defer { for fd in childEnds { close(fd) } }

        var stdinWriteEnd: Int32?
        if stdin != nil {
            let (read, write) = try Self.makePipe()
            childEnds.append(read)
            stdinWriteEnd = write
            posix_spawn_file_actions_adddup2(&actions, read, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }

        func route(_ output: Output, to target: Int32) throws -> Int32? {
            switch output {
            case .discard:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
                return nil
            case .capture, .stream:
                let (read, write) = try Self.makePipe()
                childEnds.append(write)
                posix_spawn_file_actions_adddup2(&actions, write, target)
                return read
            }
        }
        let stdoutRead = try route(stdout, to: 1)
        let stderrRead: Int32?
        if mergeStandardError {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            stderrRead = nil
        } else {
            stderrRead = try route(stderr, to: 2)
        }

        // Nothing else of this process reaches the child: sockets of live servers and proxies
        // are not close-on-exec, and a child holding a copy would keep a connection open
        // after the test closed its own.
        try Self.closeFrom(3, in: &actions)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        // An empty signal mask and every default action: the spawning thread may be one of
        // the concurrency pool's, which block signals, and this process ignores SIGPIPE.
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
        var spawned: pid_t = 0
        let result = posix_spawn(&spawned, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            for fd in [stdoutRead, stderrRead, stdinWriteEnd].compactMap({ $0 }) { close(fd) }
            throw ChildProcessError(description: "could not start \(executable): \(String(cString: strerror(result)))")
        }
        pid = spawned

        func handler(_ output: Output) -> (@Sendable (String) -> Void)? {
            if case .stream(let handler) = output { return handler }
            return nil
        }
        stdoutReader = stdoutRead.map { PipeReader(fd: $0, onChunk: handler(stdout)) }
        stderrReader = stderrRead.map { PipeReader(fd: $0, onChunk: handler(stderr)) }

        if let stdinWriteEnd, let stdin {
            // Small inputs (well under a pipe's buffer) go in at once; the close is the EOF.
            let bytes = Array(stdin.utf8)
            var written = 0
            while written < bytes.count {
                // `send` with MSG_NOSIGNAL: a child that exited early gives an error, not SIGPIPE.
                let count = bytes[written...].withUnsafeBytes {
                    send(stdinWriteEnd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                written += count
            }
            close(stdinWriteEnd)
        }

        let exit = self.exit
        let pid = self.pid
        let reaper = Thread {
            // Waits for the exit without reaping, so the pid stays this child's until the
            // lock below is held.
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
            exit.reap(pid)
        }
        reaper.start()
    }

    /// Whether the child has not exited yet.
    public var isRunning: Bool { exit.status == nil }

    /// Sends `number` to the child, unless it already exited.
    public func signal(_ number: Int32) {
        exit.whileRunning { Glibc.kill(pid, number) }
    }

    /// Waits for the exit and returns its status: the exit code, or the number of the
    /// signal that ended the child. After `timeoutMs` without an exit: nil.
    ///
    /// Blocks its thread: call it from `onOwnThread`.
    public func waitForExit(timeoutMs: Int? = nil) -> Int32? {
        exit.wait(timeoutMs: timeoutMs)
    }

    /// SIGKILL, then the wait for the exit.
    @discardableResult
    public func kill() -> Int32? {
        signal(SIGKILL)
        return waitForExit()
    }

    /// Everything the child wrote to standard output, once it closed it (blocks until then).
    public func standardOutput() -> String { stdoutReader?.waitForEnd() ?? "" }

    /// Everything the child wrote to standard error, once it closed it (blocks until then).
    public func standardError() -> String { stderrReader?.waitForEnd() ?? "" }

    /// Adds "close every descriptor from `lowest` up" to `actions`.
    ///
    /// glibc has the action since 2.34 but declares it only for `_GNU_SOURCE`, which
    /// Swift's Glibc module does not define, so it is looked up by name.
    private static func closeFrom(_ lowest: Int32, in actions: inout posix_spawn_file_actions_t) throws {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            throw ChildProcessError(description: "this C library lacks posix_spawn_file_actions_addclosefrom_np")
        }
        let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
        let result = closeFrom(&actions, lowest)
        guard result == 0 else {
            throw ChildProcessError(description: "could not add closefrom: \(String(cString: strerror(result)))")
        }
    }

    /// A connected pair of descriptors, the first for reading and the second for writing.
    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        // Close-on-exec from the start: a child spawned at the same moment by another test
        // must not inherit this pair, or its reader would never see the end of file. A
        // socket pair because Glibc's `pipe2` (which takes the flag) is not visible to Swift.
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &fds) == 0 else {
            throw ChildProcessError(description: "could not make a socket pair: \(String(cString: strerror(errno)))")
        }
        return (fds[0], fds[1])
    }
}

/// A child process could not be started.
public struct ChildProcessError: Error, CustomStringConvertible {
    /// What failed, in words.
    public var description: String
}

/// The child's exit status, set once by its reaper; waiters block on a condition.
private final class ExitBox: @unchecked Sendable {
    // @unchecked: every access to `exitStatus` holds `condition`'s lock.
    private let condition = NSCondition()
    private var exitStatus: Int32?

    var status: Int32? {
        condition.lock()
        defer { condition.unlock() }
        return exitStatus
    }

    /// Runs `body` while the child is not reaped, under the lock the reap takes.
    func whileRunning(_ body: () -> Void) {
        condition.lock()
        defer { condition.unlock() }
        if exitStatus == nil { body() }
    }

    /// Reaps `pid` (which has exited) and records its status.
    func reap(_ pid: pid_t) {
        condition.lock()
        defer { condition.unlock() }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
        // Exit code when it exited, else the signal that ended it (Foundation's convention).
        let code = (raw >> 8) & 0xff
        let signalNumber = raw & 0x7f
        exitStatus = signalNumber == 0 ? code : signalNumber
        condition.broadcast()
    }

    func wait(timeoutMs: Int?) -> Int32? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = timeoutMs.map { Date().addingTimeInterval(Double($0) / 1000) }
        while exitStatus == nil {
            if let deadline {
                if !condition.wait(until: deadline) { break }
            } else {
                condition.wait()
            }
        }
        return exitStatus
    }
}

/// Reads one pipe to its end on a thread of its own.
private final class PipeReader: @unchecked Sendable {
    // @unchecked: `bytes` and `ended` are only touched under `condition`'s lock.
    private let condition = NSCondition()
    private var bytes: [UInt8] = []
    private var ended = false

    init(fd: Int32, onChunk: (@Sendable (String) -> Void)?) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                let chunk = buffer[0..<count]
                onChunk?(String(decoding: chunk, as: UTF8.self))
                condition.lock()
                bytes.append(contentsOf: chunk)
                condition.unlock()
            }
            close(fd)
            condition.lock()
            ended = true
            condition.broadcast()
            condition.unlock()
        }
        thread.start()
    }

    func waitForEnd() -> String {
        condition.lock()
        defer { condition.unlock() }
        while !ended { condition.wait() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
