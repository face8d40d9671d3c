import ArgumentParser
import PaddockClient
import ZNodeTree

/// `paddock watch PATH`: prints the node's (or subtree's) changes until interrupted.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Print changes of a node (or subtree) as they happen, until Ctrl-C.",
        discussion: """
            Each line is `ZXID TYPE PATH [DATA]` (with -o json, one JSON event per line). \
            The watch reconnects by itself, to another member if need be, without losing \
            or repeating changes.
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "The node path.") var path: String = "/"
    @Flag(name: [.customShort("r"), .long], help: "Watch the whole subtree.") var recursive = false
    @Option(help: "Start after this zxid instead of now.") var since: UInt64?
    @Flag(help: "First print the current node (or subtree) as initial events.") var initial = false
    @Option(help: "Stop after this many events.") var count: Int?

    func validate() throws {
        if since != nil, initial { throw ValidationError("--since and --initial do not go together") }
        if let count, count <= 0 { throw ValidationError("--count must be positive") }
    }

    func run() async throws {
        try await client.withClient { paddock throws(PaddockError) in
            let options = WatchOptions(recursive: recursive, since: since.map { Zxid($0) }, initial: initial)
            var iterator = paddock.watch(path, options: options).makeAsyncIterator()
            var printed = 0
            while count.map({ printed < $0 }) ?? true {
                let event: NodeEvent?
                do {
                    event = try await iterator.next()
                } catch let error as PaddockError {
                    throw error
                } catch {
                    throw PaddockError(.invalidResponse, "\(error)")
                }
                guard let event else { return }
                printed += 1
                switch client.output {
                case .json:
                    JSONOutput.print(JSONOutput.event(event))
                case .human:
                    var line = "\(event.zxid) \(event.kind.rawValue) \(event.path)"
                    if let text = event.string { line += " " + text } else if let data = event.data {
                        line += " <\(data.count) bytes>"
                    }
                    CLIOutput.line(line)
                }
            }
        }
    }
}
