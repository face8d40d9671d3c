import ArgumentParser
import PaddockClient

/// `paddock cluster`: status, membership changes and leadership transfer.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Show the cluster; change its members; move its leadership.",
        subcommands: [Status.self, Members.self, Transfer.self], defaultSubcommand: Status.self)

    /// Prints `info` as asked.
    static func show(_ info: ClusterInfo, _ format: ClientOptions.OutputFormat) {
        switch format {
        case .json:
            JSONOutput.print(JSONOutput.cluster(info))
        case .human:
            CLIOutput.line(
                "cluster \(info.clusterID), leader \(info.leader ?? "unknown"), term \(info.term), "
                    + "commit \(info.commitIndex), applied \(info.appliedIndex) (as \(info.selfName) sees it)")
            for member in info.members {
                var line = "\(member.name) \(member.role)"
                if let address = member.peerAddress { line += " peer=\(address)" }
                if let address = member.httpAddress { line += " http=\(address)" }
                if let match = member.matchIndex { line += " match=\(match)" }
                if let lag = member.lagEntries { line += " lag=\(lag)" }
                CLIOutput.line(line)
            }
        }
    }

    /// `cluster status` (the default).
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the cluster.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await client.withClient { paddock throws(PaddockError) in
                ClusterCommand.show(try await paddock.clusterStatus(), client.output)
            }
        }
    }

    /// `cluster members add|promote|remove`.
    struct Members: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "members", abstract: "Add, promote or remove members.",
            subcommands: [Add.self, Promote.self, Remove.self])

        /// `members add NAME PEERADDR`.
        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add", abstract: "Add a member as a learner (start it with --join first).")
            @OptionGroup var client: ClientOptions
            @Argument(help: "The member's name.") var name: String
            @Argument(help: "Where peers reach it (HOST:PORT).") var peerAddress: String

            func run() async throws {
                try await client.withClient { paddock throws(PaddockError) in
                    ClusterCommand.show(try await paddock.addMember(name: name, peerAddress: peerAddress), client.output)
                }
            }
        }

        /// `members promote NAME`.
        struct Promote: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "promote", abstract: "Promote a caught-up learner to a voter.")
            @OptionGroup var client: ClientOptions
            @Argument(help: "The member's name.") var name: String

            func run() async throws {
                try await client.withClient { paddock throws(PaddockError) in
                    ClusterCommand.show(try await paddock.promoteMember(name: name), client.output)
                }
            }
        }

        /// `members remove NAME`.
        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a member.")
            @OptionGroup var client: ClientOptions
            @Argument(help: "The member's name.") var name: String

            func run() async throws {
                try await client.withClient { paddock throws(PaddockError) in
                    ClusterCommand.show(try await paddock.removeMember(name: name), client.output)
                }
            }
        }
    }

    /// `cluster transfer [NAME]`.
    struct Transfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "transfer", abstract: "Hand leadership to NAME, or to the most caught-up voter.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The voter to lead next.") var name: String?

        func run() async throws {
            try await client.withClient { paddock throws(PaddockError) in
                ClusterCommand.show(try await paddock.transferLeadership(to: name), client.output)
            }
        }
    }
}
