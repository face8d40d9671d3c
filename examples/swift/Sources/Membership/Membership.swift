import Foundation
import PaddockClient
import ZNodeTree

/// Joins a service group and prints the group as it changes.
///
/// Usage: `swift run Membership NAME [ENDPOINTS]` (endpoints comma-separated, default
/// `$PADDOCK_ENDPOINTS` or `http://127.0.0.1:7180`). The member is an ephemeral node
/// `/services/demo/NAME` owned by a session that keeps itself alive: stop the program
/// (or cut it off for longer than the TTL) and the node goes away for everyone. Run it
/// in two terminals with different names and watch each see the other.
@main
struct Membership {
    static func main() async {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first else {
            FileHandle.standardError.write(Data("usage: Membership NAME [ENDPOINTS]\n".utf8))
            exit(2)
        }
        let endpoints = (arguments.dropFirst().first
            ?? ProcessInfo.processInfo.environment["PADDOCK_ENDPOINTS"] ?? "http://127.0.0.1:7180")
            .split(separator: ",").map(String.init)
        do {
            try await run(name: name, endpoints: endpoints)
        } catch {
            FileHandle.standardError.write(Data("Membership: \(error)\n".utf8))
            exit(1)
        }
    }

    /// Writes a line to standard output at once (also when it is a pipe).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func run(name: String, endpoints: [String]) async throws {
        let client = try Client(endpoints: endpoints)
        let session = try await Session.open(client, ttlMs: 10_000)
        let group = "/services/demo"
        let me = try await client.create(
            "\(group)/\(name)", data: Array("joined at \(Date())".utf8), kind: .ephemeral, parents: true,
            session: session.id)
        say("joined as \(me.path) (session \(session.id), zxid \(me.zxid))")

        // Follow the session: once it is expired this process is no longer a member.
        let states = Task {
            for await state in session.states() {
                say("session \(state)")
                if state == .expired { exit(3) }
            }
        }

        // Print the group, then every change after the read, with no gap between them.
        let members = try await client.children(group)
        say("members: \(members.names.joined(separator: ", "))")
        let changes = client.watch(group, options: WatchOptions(since: members.zxid))
        for try await event in changes where event.kind == .childrenChanged {
            let now = try await client.children(group)
            say("members: \(now.names.joined(separator: ", ")) (zxid \(event.zxid))")
        }
        states.cancel()
        try await session.close()
        try await client.shutdown()
    }
}
