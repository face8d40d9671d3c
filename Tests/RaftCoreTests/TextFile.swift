import Foundation

/// File access for the golden scenarios (tests only; the core itself has no I/O).
enum TextFile {
    struct Failure: Error, CustomStringConvertible {
        var path: String
        var description: String { "cannot read \(path)" }
    }

    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(path: path) }
        return String(decoding: data, as: UTF8.self)
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Whether golden files are being regenerated (`PADDOCK_REWRITE_GOLDEN=1`).
    static var rewriting: Bool { ProcessInfo.processInfo.environment["PADDOCK_REWRITE_GOLDEN"] == "1" }

    /// How many seeds the randomized test runs per cluster shape (`PADDOCK_RAFT_SEEDS`, default 40).
    static var randomizedSeedCount: UInt64 {
        ProcessInfo.processInfo.environment["PADDOCK_RAFT_SEEDS"].flatMap { UInt64($0) }.map { max($0, 1) } ?? 40
    }
}
