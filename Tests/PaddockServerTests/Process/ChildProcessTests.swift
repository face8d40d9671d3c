import Foundation
import NIOCore
import NIOPosix
import PaddockTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The process harness the process tests stand on: statuses, pipes, time limits, and no
/// descriptor of the test process leaking into a child.
@Suite struct ChildProcessTests {
    @Test func exitCodeOutputAndInputComeThrough() async throws {
        let (status, output, errors) = try await onOwnThread { () throws -> (Int32?, String, String) in
            let child = try ChildProcess(
                executable: "/bin/sh", arguments: ["-c", "read line; echo \"got $line\"; echo oops >&2; exit 3"],
                stdin: "hello\n")
            return (child.waitForExit(timeoutMs: 20_000), child.standardOutput(), child.standardError())
        }
        #expect(status == 3)
        #expect(output == "got hello\n")
        #expect(errors == "oops\n")
    }

    @Test func aChildPastItsTimeLimitIsKilledAndReportsTheSignal() async throws {
        let (first, afterKill, stillRunning) = try await onOwnThread { () throws -> (Int32?, Int32?, Bool) in
            let child = try ChildProcess(executable: "/bin/sleep", arguments: ["30"], stdout: .discard, stderr: .discard)
            let first = child.waitForExit(timeoutMs: 50)
            return (first, child.kill(), child.isRunning)
        }
        #expect(first == nil)
        #expect(afterKill == SIGKILL)
        #expect(!stillRunning)
    }

    /// A live socket of the test process (NIO's are not close-on-exec) must not reach the
    /// child, or closing it in the test would not close the connection.
    @Test func theChildInheritsNoDescriptorButItsStandardThree() async throws {
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let listed = try await onOwnThread { () throws -> String in
            // `ls` opens one descriptor of its own for the directory it lists.
            let child = try ChildProcess(executable: "/bin/ls", arguments: ["/proc/self/fd"])
            _ = child.waitForExit(timeoutMs: 20_000)
            return child.standardOutput()
        }
        try await listener.close()
        let descriptors = listed.split(separator: "\n").compactMap { Int($0) }.sorted()
        #expect(descriptors.prefix(3) == [0, 1, 2])
        #expect(descriptors.count <= 4, "the child saw descriptors \(descriptors)")
    }

    @Test func aProgramThatCannotStartIsAnError() {
        #expect(throws: ChildProcessError.self) {
            _ = try ChildProcess(executable: "/nonexistent/paddock", arguments: [])
        }
    }
}
