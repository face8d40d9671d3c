import Foundation
import Testing

/// The shared linearizability test vectors, found beside the repository root.
enum TestVectors {
    /// `../shared/testdata` relative to the package root.
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // PaddockSimulationTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("../shared/testdata", isDirectory: true)
        .standardizedFileURL

    /// One history file and its expected verdict.
    struct Case: CustomTestStringConvertible, Sendable {
        var folder: String
        var file: String
        var linearizable: Bool
        var testDescription: String { "\(folder)/\(file)" }
        var url: URL { TestVectors.root.appendingPathComponent(folder).appendingPathComponent(file) }
    }

    /// The rows of `folder/verdicts.tsv`, in file order; empty if the folder is missing
    /// (the verdict test then fails on the count).
    static func cases(_ folder: String) -> [Case] {
        let url = root.appendingPathComponent(folder).appendingPathComponent("verdicts.tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().map { row in
            let fields = row.split(separator: "\t")
            precondition(fields.count == 2, "bad verdicts row \(row)")
            return Case(folder: folder, file: String(fields[0]), linearizable: fields[1] == "linearizable")
        }
    }
}
