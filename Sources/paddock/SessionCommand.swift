import ArgumentParser
import PaddockAPI
import PaddockClient
import ZNodeTree

/// `paddock session open|keepalive|close`.
struct SessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session", abstract: "Open, keep alive or close a session.",
        subcommands: [Open.self, KeepAlive.self, Close.self])

    /// `session open`: prints the new session's id.
    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "open", abstract: "Open a session and print its id.",
            discussion: "The session expires after its TTL unless kept alive (paddock session keepalive ID).")

        @OptionGroup var client: ClientOptions
        @Option(help: "The session's TTL (1s to 1h; default 10s).") var ttl: String = "10s"

        func validate() throws {
            guard DurationArgument.milliseconds(ttl) != nil else {
                throw ValidationError("--ttl \(ttl) is not a duration such as 10s")
            }
        }

        func run() async throws {
            let ttlMs = DurationArgument.milliseconds(ttl) ?? 10_000
            try await client.withClient { paddock throws(PaddockError) in
                let grant = try await paddock.openSession(ttlMs: ttlMs)
                switch client.output {
                case .json:
                    var writer = JSONWriter()
                    writer.beginObject()
                    writer.key("id"); writer.string(grant.id.description)
                    writer.key("ttl"); writer.number(grant.ttlMs)
                    writer.key("zxid"); writer.number(grant.zxid.rawValue)
                    writer.endObject()
                    JSONOutput.print(writer)
                case .human:
                    CLIOutput.line(grant.id.description)
                }
            }
        }
    }

    /// `session keepalive ID`: extends a session once.
    struct KeepAlive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keepalive", abstract: "Extend a session by its TTL; print the time left.")

        @OptionGroup var client: ClientOptions
        @Argument(help: "The session id (16 hex digits).") var id: String

        func validate() throws { _ = try SessionCommand.parse(id) }

        func run() async throws {
            let session = try SessionCommand.parse(id)
            try await client.withClient { paddock throws(PaddockError) in
                let result = try await paddock.keepAlive(session)
                switch client.output {
                case .json:
                    var writer = JSONWriter()
                    writer.beginObject()
                    writer.key("id"); writer.string(result.id.description)
                    writer.key("remaining"); writer.number(result.remainingMs)
                    writer.endObject()
                    JSONOutput.print(writer)
                case .human:
                    CLIOutput.line("\(result.id): \(result.remainingMs) ms left")
                }
            }
        }
    }

    /// `session close ID`: closes a session, deleting its ephemerals.
    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "close", abstract: "Close a session and delete its ephemeral nodes (printed).")

        @OptionGroup var client: ClientOptions
        @Argument(help: "The session id (16 hex digits).") var id: String

        func validate() throws { _ = try SessionCommand.parse(id) }

        func run() async throws {
            let session = try SessionCommand.parse(id)
            try await client.withClient { paddock throws(PaddockError) in
                let result = try await paddock.closeSession(session)
                switch client.output {
                case .json: JSONOutput.print(JSONOutput.strings("deleted", result.deleted, zxid: result.zxid))
                case .human: for path in result.deleted { CLIOutput.line(path) }
                }
            }
        }
    }

    static func parse(_ id: String) throws -> SessionID {
        guard id.utf8.count == 16, let session = SessionID(hex: id) else {
            throw ValidationError("\(id) is not a session id (16 hex digits)")
        }
        return session
    }
}
