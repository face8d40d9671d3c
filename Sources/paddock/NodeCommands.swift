import ArgumentParser
import Foundation
import PaddockAPI
import PaddockClient
import ZNodeTree

/// `paddock get PATH`: prints a node's data (with `--stat` also its stat).
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Print a node's data.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "The node path.") var path: String
    @Flag(help: "Also print the node's stat.") var stat = false
    @Flag(help: "Read from the answering member's own state (faster, maybe stale).") var serializable = false

    func run() async throws {
        try await client.withClient { paddock throws(PaddockError) in
            let node = try await paddock.get(path, consistency: serializable ? .serializable : .linearizable)
            switch client.output {
            case .json:
                JSONOutput.print(JSONOutput.node(node))
            case .human:
                if let text = node.string {
                    CLIOutput.line(text.hasSuffix("\n") ? String(text.dropLast()) : text)
                } else {
                    CLIOutput.bytes(node.data)
                }
                if stat { CLIOutput.line(HumanOutput.stat(node.stat)) }
            }
        }
    }
}

/// `paddock set PATH DATA`: sets a node's data.
struct SetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Set a node's data.",
        discussion: "DATA is the text to write; - reads it from standard input; --file reads a file.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "The node path.") var path: String
    @Argument(help: "The data (- for standard input).") var data: String?
    @Option(help: "Read the data from this file.") var file: String?
    @Option(help: "Only set when the node's version is this one.") var version: Int64?

    func validate() throws {
        if data == nil, file == nil { throw ValidationError("give DATA, - for standard input, or --file") }
    }

    func run() async throws {
        let bytes = try DataArgument.bytes(argument: data, file: file)
        try await client.withClient { paddock throws(PaddockError) in
            let result = try await paddock.set(path, data: bytes, version: version)
            switch client.output {
            case .json: JSONOutput.print(JSONOutput.written(result))
            case .human: CLIOutput.line("\(result.path): version \(result.stat.version), zxid \(result.zxid)")
            }
        }
    }
}

extension NodeKind: ExpressibleByArgument {}

/// `paddock create PATH [DATA]`: creates a node.
struct CreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a node.",
        discussion: """
            Kinds: persistent (default), ephemeral and ephemeral_sequential (need --session), \
            sequential, container, ttl (needs --ttl). Prints the created path.
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "The node path.") var path: String
    @Argument(help: "The data (- for standard input); empty by default.") var data: String?
    @Option(help: "Read the data from this file.") var file: String?
    @Option(help: "The node kind.") var kind: NodeKind = .persistent
    @Option(help: "For --kind ttl: delete the node after this long without change (10s, 5m).") var ttl: String?
    @Option(help: "The owning session id (16 hex digits) of an ephemeral node.") var session: String?
    @Flag(name: [.customShort("p"), .long], help: "Create missing parents.") var parents = false

    func validate() throws {
        if let ttl, DurationArgument.milliseconds(ttl) == nil {
            throw ValidationError("--ttl \(ttl) is not a duration such as 10s or 5m")
        }
        if let session, SessionID(hex: session) == nil || session.utf8.count != 16 {
            throw ValidationError("--session \(session) is not a session id (16 hex digits)")
        }
    }

    func run() async throws {
        let bytes = try DataArgument.bytes(argument: data, file: file)
        let ttlMs = ttl.flatMap(DurationArgument.milliseconds)
        let owner = session.flatMap { SessionID(hex: $0) }
        try await client.withClient { paddock throws(PaddockError) in
            let result = try await paddock.create(
                path, data: bytes, kind: kind, ttlMs: ttlMs, parents: parents, session: owner)
            switch client.output {
            case .json: JSONOutput.print(JSONOutput.written(result))
            case .human: CLIOutput.line(result.path)
            }
        }
    }
}

/// `paddock delete PATH`: deletes a node (`-r`: its subtree).
struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a node; with -r its whole subtree.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "The node path.") var path: String
    @Flag(name: [.customShort("r"), .long], help: "Delete the subtree too.") var recursive = false
    @Option(help: "Only delete when the node's version is this one.") var version: Int64?

    func run() async throws {
        try await client.withClient { paddock throws(PaddockError) in
            let result = try await paddock.delete(path, version: version, recursive: recursive)
            switch client.output {
            case .json: JSONOutput.print(JSONOutput.strings("deleted", result.deleted, zxid: result.zxid))
            case .human: for path in result.deleted { CLIOutput.line(path) }
            }
        }
    }
}

/// `paddock ls PATH`: lists a node's children (`-l` with their stats).
struct LsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List a node's children.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "The node path.") var path: String = "/"
    @Flag(name: .customShort("l"), help: "Long listing: version, size, children, mzxid, kind of each child.")
    var long = false

    func run() async throws {
        try await client.withClient { paddock throws(PaddockError) in
            let listing = try await paddock.children(path, stats: long || client.output == .json)
            switch client.output {
            case .json:
                var writer = JSONWriter()
                writer.beginObject()
                writer.key("path"); writer.string(listing.path)
                writer.key("children")
                writer.beginArray()
                for name in listing.names {
                    writer.beginObject()
                    writer.key("name"); writer.string(name)
                    if let stat = listing.stats?[name] { writer.key("stat"); writer.stat(stat) }
                    writer.endObject()
                }
                writer.endArray()
                writer.key("zxid"); writer.number(listing.zxid.rawValue)
                writer.endObject()
                JSONOutput.print(writer)
            case .human:
                for name in listing.names {
                    guard long, let stat = listing.stats?[name] else {
                        CLIOutput.line(name)
                        continue
                    }
                    let columns = [
                        pad("v\(stat.version)", 6), pad("\(stat.dataLength)B", 9), pad("\(stat.numChildren)", 6),
                        pad("\(stat.mzxid)", 10), pad(stat.kind.rawValue, 21), name,
                    ]
                    CLIOutput.line(columns.joined(separator: " "))
                }
            }
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}

/// `paddock tree [PATH]`: prints a subtree.
struct TreeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tree", abstract: "Print a subtree, one node per line.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "The subtree's root.") var path: String = "/"
    @Option(help: "Stop after listing this many nodes.") var nodesMax: Int = 100_000

    func validate() throws {
        guard nodesMax > 0 else { throw ValidationError("--nodes-max must be positive") }
    }

    func run() async throws {
        try await client.withClient { paddock throws(PaddockError) in
            var lines: [String] = []
            var visited: [String] = []
            // Depth-first, children sorted, so the lines come in pre-order; bounded by nodesMax.
            var stack: [(path: String, prefix: String, last: Bool, depth: Int)] = [(path, "", true, 0)]
            while let entry = stack.popLast(), visited.count < nodesMax {
                visited.append(entry.path)
                if entry.depth == 0 {
                    lines.append(entry.path)
                } else {
                    let name = entry.path.split(separator: "/").last.map(String.init) ?? entry.path
                    lines.append(entry.prefix + (entry.last ? "└── " : "├── ") + name)
                }
                let children = try await paddock.children(entry.path).names
                let childPrefix = entry.depth == 0 ? "" : entry.prefix + (entry.last ? "    " : "│   ")
                for (index, name) in children.enumerated().reversed() {
                    let child = entry.path == "/" ? "/" + name : entry.path + "/" + name
                    stack.append((child, childPrefix, index == children.count - 1, entry.depth + 1))
                }
            }
            switch client.output {
            case .json:
                JSONOutput.print(JSONOutput.strings("paths", visited, zxid: nil))
            case .human:
                for line in lines { CLIOutput.line(line) }
            }
        }
    }
}
