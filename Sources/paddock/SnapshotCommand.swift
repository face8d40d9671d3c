import ArgumentParser
import Foundation
import PaddockAPI
import PaddockClient

/// `paddock snapshot save FILE`: downloads a compressed snapshot of the tree.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot", abstract: "Back up the tree.", subcommands: [Save.self])

    /// `snapshot save FILE`.
    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "save", abstract: "Save a zlib-compressed snapshot of the whole tree to FILE.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Where to write the snapshot.") var file: String

        func run() async throws {
            var saved: SnapshotDownload?
            try await client.withClient { paddock throws(PaddockError) in
                saved = try await paddock.snapshot()
            }
            guard let saved else { return }
            guard FileManager.default.createFile(atPath: file, contents: Data(saved.bytes)) else {
                CLIOutput.error("cannot write \(file)")
                throw ExitCode(ClientExitCode.usage)
            }
            switch client.output {
            case .json:
                var writer = JSONWriter()
                writer.beginObject()
                writer.key("file"); writer.string(file)
                writer.key("bytes"); writer.number(saved.bytes.count)
                writer.key("zxid"); writer.number(saved.zxid.rawValue)
                writer.endObject()
                JSONOutput.print(writer)
            case .human:
                CLIOutput.line("saved \(saved.bytes.count) bytes at zxid \(saved.zxid) to \(file)")
            }
        }
    }
}
