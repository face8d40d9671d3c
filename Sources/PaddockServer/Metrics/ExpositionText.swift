/// Puts the registry's Prometheus text in a stable order and adds `# HELP` lines.
///
/// Why: the registry writes families and series in dictionary order, which changes from
/// one process to the next, and metrics made through swift-metrics carry no help text.
/// A stable order makes scrapes diffable and testable; help lines make `/metrics`
/// readable by a person. Families are sorted by name, series within a family by their
/// first line (so by label values); a histogram series keeps its lines together and in
/// the registry's order (`_bucket` lines by `le`, then `_sum`, then `_count`).
enum ExpositionText {
    /// The text of `registryText` reordered, with `help[name]` as each family's help line
    /// (or the registry's own when `help` has none).
    static func ordered(_ registryText: String, help: [String: String]) -> String {
        var families: [Family] = []
        var pendingHelp: Substring?
        for line in registryText.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# HELP ") {
                pendingHelp = line
                continue
            }
            if line.hasPrefix("# TYPE ") {
                let words = line.split(separator: " ", omittingEmptySubsequences: true)
                let name = words.count > 2 ? String(words[2]) : ""
                let isHistogram = words.count > 3 && words[3] == "histogram"
                families.append(Family(name: name, help: pendingHelp, type: line, isHistogram: isHistogram))
                pendingHelp = nil
                continue
            }
            if line.hasPrefix("#") { continue }
            if families.isEmpty {
                // A sample before any TYPE line: keep it, under a family without header.
                families.append(Family(name: "", help: nil, type: nil, isHistogram: false))
            }
            families[families.count - 1].add(line)
        }
        families.sort { $0.name < $1.name }
        var out = ""
        out.reserveCapacity(registryText.utf8.count + help.count * 80)
        for var family in families {
            family.closeOpenSeries()
            if let text = help[family.name] {
                out += "# HELP \(family.name) \(text)\n"
            } else if let line = family.help {
                out += line + "\n"
            }
            if let type = family.type { out += type + "\n" }
            for series in family.series.sorted(by: { $0[0] < $1[0] }) {
                for line in series { out += line + "\n" }
            }
        }
        return out
    }

    /// One metric family: its header lines and its series, each a run of sample lines.
    private struct Family {
        var name: String
        var help: Substring?
        var type: Substring?
        var isHistogram: Bool
        var series: [[Substring]] = []
        /// The lines of a histogram series whose `_count` line has not come yet.
        var open: [Substring] = []

        init(name: String, help: Substring?, type: Substring?, isHistogram: Bool) {
            self.name = name
            self.help = help
            self.type = type
            self.isHistogram = isHistogram
        }

        mutating func add(_ line: Substring) {
            guard isHistogram else {
                series.append([line])
                return
            }
            open.append(line)
            let sampleName = line.prefix { $0 != "{" && $0 != " " }
            if sampleName.count == name.count + 6, sampleName.hasPrefix(name), sampleName.hasSuffix("_count") {
                closeOpenSeries()
            }
        }

        mutating func closeOpenSeries() {
            guard !open.isEmpty else { return }
            series.append(open)
            open = []
        }
    }
}
