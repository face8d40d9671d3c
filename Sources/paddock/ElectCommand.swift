import ArgumentParser
import PaddockClient

/// `paddock elect NAME [--value V] -- CMD ARGS`: runs a command only while leading.
struct ElectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "elect", abstract: "Run a command only while leading an election.",
        discussion: """
            Opens a session, stands for the election NAME with --value (what followers \
            read as the leader's value), waits to lead, and runs CMD with the leadership's \
            fencing token in PADDOCK_FENCING_TOKEN. When CMD exits paddock resigns and exits \
            with CMD's status. When the leadership is lost first (the session expired), CMD \
            gets SIGTERM (and SIGKILL after --grace) and paddock exits with 1.
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "The election's name (1 to 64 of A-Z a-z 0-9 . _ -).") var name: String
    @Argument(parsing: .postTerminator, help: "The command to run, after --.") var command: [String] = []
    @Option(help: "The value to lead with (UTF-8 text; default empty).") var value: String = ""
    @Option(help: "The session's TTL (default 10s).") var ttl: String = "10s"
    @Option(help: "How long the command has between SIGTERM and SIGKILL (default 5s).") var grace: String = "5s"

    func validate() throws {
        try RecipeCommandArguments.validate(command: command, ttl: ttl, grace: grace)
    }

    func run() async throws {
        let ttlMs = DurationArgument.milliseconds(ttl) ?? 10_000
        let graceMs = DurationArgument.milliseconds(grace) ?? 5_000
        var status: Int32 = 0
        try await client.withClient { paddock throws(PaddockError) in
            let session = try await Session.open(paddock, ttlMs: ttlMs)
            let election = LeaderElection(name, session: session, value: value)
            do throws(PaddockError) {
                try await election.campaign()
            } catch {
                _ = try? await session.close()
                throw error
            }
            var token: FencingToken?
            for await state in election.leadership() {
                if let leading = state.token {
                    token = leading
                    break
                }
            }
            guard let token else {
                status = 1
                CLIOutput.error("SessionExpired: the session ended before it led the election \(name)")
                _ = try? await session.close()
                return
            }
            let outcome = await RecipeCommandArguments.runChild(command, token: token, graceMs: graceMs) {
                for await state in election.leadership() where state.token != token { return true }
                return false
            }
            switch outcome {
            case .exited(let code):
                status = code
            case .stopped:
                status = 1
                CLIOutput.error("SessionExpired: the leadership of \(name) was lost while the command ran; it was stopped")
            case .failedToStart(let message):
                status = 127
                CLIOutput.error(message)
            }
            try? await election.resign()
            _ = try? await session.close()
        }
        if status != 0 { throw ExitCode(status) }
    }
}
