import ArgumentParser
import PaddockClient

/// `paddock lock NAME -- CMD ARGS`: runs a command while holding a lock.
struct LockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock", abstract: "Run a command while holding a lock.",
        discussion: """
            Opens a session, waits for the lock NAME, and runs CMD with the grant's fencing \
            token in PADDOCK_FENCING_TOKEN while keeping the session alive. When CMD exits \
            the lock is released and paddock exits with CMD's status. When the session ends \
            first (it expired: the lock may be someone else's now), CMD gets SIGTERM (and \
            SIGKILL after --grace) and paddock exits with 1.
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "The lock's name (1 to 64 of A-Z a-z 0-9 . _ -).") var name: String
    @Argument(parsing: .postTerminator, help: "The command to run, after --.") var command: [String] = []
    @Option(help: "The session's TTL (default 10s).") var ttl: String = "10s"
    @Option(help: "Give up waiting for the lock after this long (default: wait as long as it takes).")
    var wait: String?
    @Option(help: "How long the command has between SIGTERM and SIGKILL (default 5s).") var grace: String = "5s"

    func validate() throws {
        try RecipeCommandArguments.validate(command: command, ttl: ttl, grace: grace)
        if let wait, DurationArgument.milliseconds(wait) == nil {
            throw ValidationError("--wait \(wait) is not a duration such as 30s")
        }
    }

    func run() async throws {
        let ttlMs = DurationArgument.milliseconds(ttl) ?? 10_000
        let graceMs = DurationArgument.milliseconds(grace) ?? 5_000
        let waitMs = wait.flatMap(DurationArgument.milliseconds)
        var status: Int32 = 0
        try await client.withClient { paddock throws(PaddockError) in
            let session = try await Session.open(paddock, ttlMs: ttlMs)
            let lock = Lock(name, session: session)
            let grant: LockGrant
            do throws(PaddockError) {
                grant = try await lock.acquire(timeoutMs: waitMs)
            } catch {
                _ = try? await session.close()
                throw error
            }
            let outcome = await RecipeCommandArguments.runChild(
                command, token: grant.token, graceMs: graceMs
            ) {
                for await state in session.states() where state.isFinal { return true }
                return false
            }
            switch outcome {
            case .exited(let code):
                status = code
                try? await lock.release(grant)
                _ = try? await session.close()
            case .stopped:
                status = 1
                CLIOutput.error("SessionExpired: the session of lock \(name) ended while the command ran; it was stopped")
            case .failedToStart(let message):
                status = 127
                CLIOutput.error(message)
                try? await lock.release(grant)
                _ = try? await session.close()
            }
        }
        if status != 0 { throw ExitCode(status) }
    }
}

/// What `lock` and `elect` share: argument checks and running the child command.
enum RecipeCommandArguments {
    /// How a child command ended.
    enum ChildOutcome {
        /// It exited with this status.
        case exited(Int32)
        /// It was stopped because the lock or leadership ended.
        case stopped
        /// It could not be started.
        case failedToStart(String)
    }

    /// Checks the command and the durations.
    ///
    /// - Throws: `ValidationError` (exit status 2) for a missing command or a bad duration.
    static func validate(command: [String], ttl: String, grace: String) throws {
        guard !command.isEmpty else { throw ValidationError("give the command to run after --") }
        guard DurationArgument.milliseconds(ttl) != nil else {
            throw ValidationError("--ttl \(ttl) is not a duration such as 10s")
        }
        guard DurationArgument.milliseconds(grace) != nil else {
            throw ValidationError("--grace \(grace) is not a duration such as 5s")
        }
    }

    /// Runs `command` with `PADDOCK_FENCING_TOKEN` = `token` until it exits or `ended`.
    static func runChild(
        _ command: [String], token: FencingToken, graceMs: Int64, until ended: @escaping @Sendable () async -> Bool
    ) async -> ChildOutcome {
        do {
            let outcome = try await ChildCommand.run(
                command, environment: ["PADDOCK_FENCING_TOKEN": token.description], graceMs: graceMs, until: ended)
            switch outcome {
            case .exited(let status): return .exited(status)
            case .stopped: return .stopped
            }
        } catch {
            return .failedToStart("\(error)")
        }
    }
}
