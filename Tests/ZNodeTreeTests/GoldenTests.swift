import Foundation
import Testing

/// Data-driven scenarios: `testdata/NAME.txt` holds blocks of a command line, `----`, and
/// the expected output, separated by blank lines; `#` lines are comments. Run with
/// `PADDOCK_REWRITE_GOLDEN=1` to rewrite the expected output, then review the diff.
///
/// The files are dot-named because SwiftPM warns about files in a target directory that
/// the manifest neither declares nor excludes, and it skips hidden ones.
@Suite struct GoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata")

    @Test(arguments: ["scenarios.txt", "cleanup.txt", "fence.txt"])
    func scenario(_ name: String) throws {
        let url = GoldenTests.directory.appendingPathComponent(name)
        let original = try String(contentsOf: url, encoding: .utf8)
        var script = GoldenScript()
        var rewritten: [String] = []
        var blocks = 0
        var lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]
        while let line = lines.popFirst() {
            if line.isEmpty || line.hasPrefix("#") {
                rewritten.append(line)
                continue
            }
            blocks += 1
            var expected: [String] = []
            if lines.first == "----" {
                lines.removeFirst()
                while let next = lines.first, !next.isEmpty {
                    expected.append(next)
                    lines.removeFirst()
                }
            }
            let actual = script.run(line)
            #expect(actual == expected, "\(name): \(line)")
            rewritten.append(line)
            rewritten.append("----")
            rewritten.append(contentsOf: actual)
        }
        #expect(blocks > 10)
        if ProcessInfo.processInfo.environment["PADDOCK_REWRITE_GOLDEN"] == "1" {
            try rewritten.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        }
    }
}
