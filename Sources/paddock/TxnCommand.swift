import ArgumentParser
import Foundation
import PaddockAPI
import PaddockClient

/// `paddock txn [FILE]`: applies the operations of a JSON document atomically.
struct TxnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "txn", abstract: "Apply operations atomically, all or none.",
        discussion: """
            Reads {"ops":[{"op":"check|create|set|delete","path":...}, ...]} (or just the \
            array) from FILE, or from standard input when FILE is - or absent. The fields of \
            each op are those of POST /v1/txn. Prints one line per op.
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "The JSON file (- for standard input).") var file: String = "-"

    func run() async throws {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read \(file)")
            }
            data = contents
        }
        let ops: [TxnRequest.Op]
        do {
            if let request = try? JSONDecoder().decode(TxnRequest.self, from: data) {
                ops = request.ops
            } else {
                ops = try JSONDecoder().decode([TxnRequest.Op].self, from: data)
            }
        } catch {
            throw ValidationError("the operations are not {\"ops\":[...]} JSON: \(error)")
        }
        try await client.withClient { paddock throws(PaddockError) in
            let result = try await paddock.txn(ops.map(TxnOp.init(wire:)))
            switch client.output {
            case .json:
                var writer = JSONWriter()
                writer.beginObject()
                writer.key("results")
                writer.beginArray()
                for item in result.results {
                    writer.beginObject()
                    writer.key("op"); writer.string(item.op)
                    if let path = item.path { writer.key("path"); writer.string(path) }
                    if let stat = item.stat { writer.key("stat"); writer.stat(stat) }
                    writer.endObject()
                }
                writer.endArray()
                writer.key("zxid"); writer.number(result.zxid.rawValue)
                writer.endObject()
                JSONOutput.print(writer)
            case .human:
                for (index, item) in result.results.enumerated() {
                    let path = item.path ?? ops[index].path
                    let version = item.stat.map { " (version \($0.version))" } ?? ""
                    CLIOutput.line("\(item.op) \(path)\(version)")
                }
                CLIOutput.line("zxid \(result.zxid)")
            }
        }
    }
}
