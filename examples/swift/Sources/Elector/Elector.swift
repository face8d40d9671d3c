import Foundation
import PaddockClient

/// Stands for the election `demo-primary` and prints how it stands.
///
/// Usage: `swift run Elector NAME [ENDPOINTS]`. The first one started leads; the others
/// follow and print the leader's value (its NAME). Stop the leader (Ctrl-C) and, at most
/// one TTL (10 s) later, the next one leads with a higher fencing token.
@main
struct Elector {
    static func main() async {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first else {
            FileHandle.standardError.write(Data("usage: Elector NAME [ENDPOINTS]\n".utf8))
            exit(2)
        }
        let endpoints = (arguments.dropFirst().first
            ?? ProcessInfo.processInfo.environment["PADDOCK_ENDPOINTS"] ?? "http://127.0.0.1:7180")
            .split(separator: ",").map(String.init)
        do {
            let client = try Client(endpoints: endpoints)
            let session = try await Session.open(client, ttlMs: 10_000)
            let election = LeaderElection("demo-primary", session: session, value: name)
            try await election.campaign()
            for await state in election.leadership() {
                switch state {
                case .leading(let token): say("\(name): leading with fencing token \(token)")
                case .following(let leader): say("\(name): following \(leader ?? "nobody")")
                case .lost: say("\(name): out of the election")
                }
            }
            _ = try? await session.close()
            try await client.shutdown()
        } catch {
            FileHandle.standardError.write(Data("Elector: \(error)\n".utf8))
            exit(1)
        }
    }

    /// Writes a line to standard output at once (also when it is a pipe).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
