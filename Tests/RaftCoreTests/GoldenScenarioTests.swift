import Testing
@testable import RaftCore

/// Golden-file scenarios under `.testdata/`: each command's output must match the file.
/// Regenerate with `PADDOCK_REWRITE_GOLDEN=1 swift test --filter RaftCoreTests` and review
/// the diff. The folder is hidden because SwiftPM warns about undeclared files in a target
/// and the manifest does not exclude it; once it does, the folder can lose its dot.
@Suite struct GoldenScenarioTests {
    static let directory: String = {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast()
        return parts.joined(separator: "/") + "/.testdata"
    }()

    static let files = [
        "election", "prevote-rejoin", "checkquorum-stepdown", "figure8", "conflict-repair",
        "snapshot-divergent", "read-index", "leadership-transfer", "learner-membership", "remove-leader",
    ]

    @Test(arguments: files)
    func scenario(_ name: String) throws {
        let path = "\(Self.directory)/\(name).txt"
        let text = try TextFile.read(path)
        let blocks = try GoldenScenario.parse(text)
        #expect(!blocks.isEmpty, "no commands in \(path)")
        var runner = GoldenScenario()
        var actual: [GoldenScenario.Block] = []
        for block in blocks {
            let output = runner.run(block.command)
            actual.append(GoldenScenario.Block(comments: block.comments, command: block.command, expected: output))
            if !TextFile.rewriting {
                #expect(output == block.expected, "\(name).txt: `\(block.command)`")
            }
        }
        if TextFile.rewriting {
            try TextFile.write(GoldenScenario.render(actual), to: path)
        }
    }
}
