import ArgumentParser

/// The `paddock` command: server, client commands and tools.
@main
struct Paddock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paddock",
        abstract: "A replicated coordination service spoken to over HTTP/JSON.",
        subcommands: [
            ServeCommand.self, CheckHistoryCommand.self, SimulateCommand.self, BenchFsyncCommand.self,
        ]
    )
}
