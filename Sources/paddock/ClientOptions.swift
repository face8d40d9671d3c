import ArgumentParser
import Foundation
import PaddockClient

/// The options every client command takes: where the cluster is and how to print.
struct ClientOptions: ParsableArguments {
    /// How answers are printed.
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        /// For people: plain lines.
        case human
        /// For scripts: one JSON document (for `watch`, one per line).
        case json
    }

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Comma-separated member URLs (http://HOST:PORT).",
            discussion: "Default: $PADDOCK_ENDPOINTS, else http://127.0.0.1:7180."))
    var endpoints: String?

    @Option(name: [.customShort("o"), .long], help: "Output format: human or json.")
    var output: OutputFormat = .human

    @Option(name: .long, help: "Give up on a call after this long, retries included (500ms, 10s, 2m).")
    var timeout: String = "15s"

    /// The endpoint list: `--endpoints`, else `PADDOCK_ENDPOINTS`, else the local default.
    var endpointList: [String] {
        let text = endpoints ?? ProcessInfo.processInfo.environment["PADDOCK_ENDPOINTS"] ?? "http://127.0.0.1:7180"
        return text.split(separator: ",").map { String($0) }
    }

    func validate() throws {
        guard let timeoutMs = DurationArgument.milliseconds(timeout), timeoutMs > 0 else {
            throw ValidationError("--timeout \(timeout) is not a duration such as 500ms, 10s or 2m")
        }
        _ = timeoutMs
    }

    /// Runs `body` with a client, prints a refusal as one line and exits with its code.
    func withClient(_ body: (Client) async throws(PaddockError) -> Void) async throws {
        var configuration = ClientConfiguration()
        let callTimeoutMs = DurationArgument.milliseconds(timeout) ?? 15_000
        configuration.callTimeoutMs = callTimeoutMs
        configuration.attemptTimeoutMs = min(configuration.attemptTimeoutMs, callTimeoutMs)
        let client: Client
        do throws(PaddockError) {
            client = try Client(endpoints: endpointList, configuration: configuration)
        } catch {
            CLIOutput.error("\(error.code.name): \(error.message)")
            throw ExitCode(ClientExitCode.usage)
        }
        var failure: PaddockError?
        do throws(PaddockError) {
            try await body(client)
        } catch {
            failure = error
        }
        try? await client.shutdown()
        if let failure {
            CLIOutput.error("\(failure.code.name): \(failure.message)")
            throw ExitCode(ClientExitCode.code(for: failure))
        }
    }
}

/// The exit statuses of the client commands.
///
/// | status | meaning |
/// |---|---|
/// | 0 | done |
/// | 1 | the server refused (NoNode, NodeExists, BadVersion, ...) |
/// | 2 | bad usage (arguments, flags, unreadable input) |
/// | 3 | unreachable or unavailable (no member answered in time, or all said 503) |
/// | 4 | an answer this client cannot read, or a server bug (Internal) |
enum ClientExitCode {
    /// Bad usage.
    static let usage: Int32 = 2

    /// The status for `error`.
    static func code(for error: PaddockError) -> Int32 {
        switch error.code {
        case .unreachable, .timeout, .unavailable, .notLeader, .tooManySessions, .tooManyConnections: 3
        case .invalidResponse, .internalError, .runtimeInconsistency, .other: 4
        case .cancelled: 130
        default: 1
        }
    }
}

/// Writing to standard output and standard error without buffering surprises.
enum CLIOutput {
    /// Writes `text` and a newline to standard output.
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Writes raw bytes to standard output.
    static func bytes(_ bytes: [UInt8]) {
        FileHandle.standardOutput.write(Data(bytes))
    }

    /// Writes `paddock: <message>` as one line to standard error.
    static func error(_ message: String) {
        let oneLine = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        FileHandle.standardError.write(Data("paddock: \(oneLine)\n".utf8))
    }
}

/// Durations on the command line: `500ms`, `10s`, `2m`, `1h`, or a bare number of ms.
enum DurationArgument {
    /// The duration in ms, or nil when `text` is not one.
    static func milliseconds(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Int64(text.dropLast(suffix.count)), value >= 0 else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: scale)
            return overflow ? nil : product
        }
        guard let value = Int64(text), value >= 0 else { return nil }
        return value
    }
}

/// Data given to `set` and `create`: the argument, `-` for standard input, or `--file`.
enum DataArgument {
    /// The bytes to write.
    ///
    /// - Throws: `ValidationError` when both an argument and `--file` are given, or
    ///   the file cannot be read.
    static func bytes(argument: String?, file: String?) throws -> [UInt8] {
        switch (argument, file) {
        case (.some, .some):
            throw ValidationError("give the data either as an argument or with --file, not both")
        case (let argument?, nil):
            if argument == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
            return Array(argument.utf8)
        case (nil, let file?):
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read \(file)")
            }
            return Array(data)
        case (nil, nil):
            return []
        }
    }
}
