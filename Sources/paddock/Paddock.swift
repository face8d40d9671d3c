import ArgumentParser
import Foundation

/// The `paddock` command: server, client commands and tools.
@main
struct Paddock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paddock",
        abstract: "A replicated coordination service spoken to over HTTP/JSON.",
        discussion: """
            Client commands speak to --endpoints (or $PADDOCK_ENDPOINTS, default \
            http://127.0.0.1:7180). Their exit status: 0 done, 1 the server refused (the \
            message names the code, e.g. NoNode), 2 bad usage, 3 unreachable or \
            unavailable, 4 an unexpected answer; lock and elect exit with their command's \
            status, or 1 when the lock or leadership was lost while it ran. Shell completion: \
            paddock --generate-completion-script bash|zsh|fish.
            """,
        subcommands: [
            ServeCommand.self, CheckHistoryCommand.self, SimulateCommand.self, BenchFsyncCommand.self,
            GetCommand.self, SetCommand.self, CreateCommand.self, DeleteCommand.self, LsCommand.self,
            TreeCommand.self, WatchCommand.self, TxnCommand.self, SessionCommand.self, ClusterCommand.self,
            SnapshotCommand.self, LockCommand.self, ElectCommand.self,
        ]
    )

    /// The client commands, whose usage errors exit with 2 (the others keep the argument
    /// parser's 64).
    static let clientCommandNames: Set<String> = [
        "get", "set", "create", "delete", "ls", "tree", "watch", "txn", "session", "cluster", "snapshot", "lock",
        "elect",
    ]

    /// Parses and runs the command; a usage error of a client command prints its message
    /// and usage to standard error and exits with 2.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let isClientCommand = arguments.first.map { clientCommandNames.contains($0) } ?? false
            if isClientCommand, exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
