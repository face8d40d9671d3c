import Foundation
import PaddockClient
import ZNodeTree

/// Does a job under the lock `demo-job`, one worker at a time.
///
/// Usage: `swift run Worker NAME [ENDPOINTS]`. Each run waits for the lock, "works" while
/// holding it (printing its fencing token, which a real job would hand to whatever it
/// writes), and releases it on the way out, also when the job throws. Start several at
/// once: they take turns, in arrival order, and each token is higher than the last.
@main
struct Worker {
    static func main() async {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first else {
            FileHandle.standardError.write(Data("usage: Worker NAME [ENDPOINTS]\n".utf8))
            exit(2)
        }
        let endpoints = (arguments.dropFirst().first
            ?? ProcessInfo.processInfo.environment["PADDOCK_ENDPOINTS"] ?? "http://127.0.0.1:7180")
            .split(separator: ",").map(String.init)
        do {
            let client = try Client(endpoints: endpoints)
            let session = try await Session.open(client, ttlMs: 10_000)
            say("\(name): waiting for the lock demo-job")
            try await Lock("demo-job", session: session).withLock { token in
                say("\(name): holding demo-job with fencing token \(token)")
                // The job: its writes carry the token, for the resource to refuse a stale holder.
                try await client.create(
                    "/demo/runs/run-", data: Array("\(name) token \(token)".utf8), kind: .sequential, parents: true)
            }
            say("\(name): released demo-job")
            try await session.close()
            try await client.shutdown()
        } catch {
            FileHandle.standardError.write(Data("Worker: \(error)\n".utf8))
            exit(1)
        }
    }

    /// Writes a line to standard output at once (also when it is a pipe).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
