/// A small reader of the Prometheus text exposition format (0.0.4), strict enough to
/// catch what a scraper would reject or misread.
///
/// Checks: every line is `# HELP name text`, `# TYPE name type`, another comment, or a
/// sample `name{label="value",...} value`; names and label names are valid; label values
/// are quoted with `\\`, `\"` and `\n` escapes; each family has at most one HELP and one
/// TYPE, both before its samples, and its lines are contiguous; every sample belongs to a
/// family with a TYPE; histogram buckets are cumulative and `+Inf` equals `_count`.
struct PrometheusText {
    /// One sample line.
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// A line that breaks the format, with its 1-based number.
    struct FormatError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    /// The TYPE of each family.
    private(set) var types: [String: String] = [:]
    /// The HELP text of each family.
    private(set) var help: [String: String] = [:]
    /// Every sample, in order.
    private(set) var samples: [Sample] = []
    /// Family names in the order they appear.
    private(set) var familyOrder: [String] = []

    /// Parses and checks `text`.
    /// - Throws: `FormatError` naming the first bad line.
    init(parsing text: String) throws(FormatError) {
        guard text.isEmpty || text.hasSuffix("\n") else { throw FormatError(line: 0, message: "no final newline") }
        var finished = Set<String>()
        var current: String?
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let number = offset + 1
            func enter(_ family: String) throws(FormatError) {
                guard family != current else { return }
                if let current { finished.insert(current) }
                guard !finished.contains(family) else {
                    throw FormatError(line: number, message: "family \(family) continues after another family")
                }
                current = family
                familyOrder.append(family)
            }
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let words = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard words.count == 4, Self.isMetricName(words[2]) else {
                    throw FormatError(line: number, message: "bad \(words[1]) line: \(line)")
                }
                let name = String(words[2])
                try enter(name)
                if words[1] == "HELP" {
                    guard help[name] == nil else { throw FormatError(line: number, message: "second HELP for \(name)") }
                    guard samples.last.map({ family(of: $0.name) != name }) ?? true else {
                        throw FormatError(line: number, message: "HELP for \(name) after its samples")
                    }
                    help[name] = String(words[3])
                } else {
                    guard types[name] == nil else { throw FormatError(line: number, message: "second TYPE for \(name)") }
                    guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(words[3]) else {
                        throw FormatError(line: number, message: "unknown type \(words[3])")
                    }
                    guard samples.last.map({ family(of: $0.name) != name }) ?? true else {
                        throw FormatError(line: number, message: "TYPE for \(name) after its samples")
                    }
                    types[name] = String(words[3])
                }
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let sample = Self.parseSample(line) else {
                throw FormatError(line: number, message: "bad sample: \(line)")
            }
            let owner = family(of: sample.name)
            guard types[owner] != nil else {
                throw FormatError(line: number, message: "sample of \(sample.name) without a TYPE")
            }
            try enter(owner)
            samples.append(sample)
        }
        try checkHistograms()
    }

    /// The value of the sample `name` with exactly `labels`, if there is one.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The family a sample name belongs to: a histogram's `_bucket`, `_sum` and `_count`
    /// samples belong to the histogram.
    func family(of name: String) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return name
    }

    private func checkHistograms() throws(FormatError) {
        for (name, type) in types.sorted(by: { $0.key < $1.key }) where type == "histogram" {
            var buckets: [[String: String]: [(le: Double, count: Double)]] = [:]
            for sample in samples where sample.name == name + "_bucket" {
                guard let leText = sample.labels["le"], let le = Self.number(Substring(leText)) else {
                    throw FormatError(line: 0, message: "\(name) bucket without a numeric le")
                }
                var key = sample.labels
                key["le"] = nil
                buckets[key, default: []].append((le, sample.value))
            }
            for (labels, series) in buckets {
                let ordered = series.sorted { $0.le < $1.le }
                for (lower, upper) in zip(ordered, ordered.dropFirst()) where upper.count < lower.count {
                    throw FormatError(line: 0, message: "\(name)\(labels) buckets are not cumulative")
                }
                guard ordered.last?.le == .infinity, ordered.last?.count == value(name + "_count", labels),
                    value(name + "_sum", labels) != nil
                else {
                    throw FormatError(line: 0, message: "\(name)\(labels) lacks +Inf, _count or _sum, or they disagree")
                }
            }
        }
    }

    static func isMetricName(_ name: Substring) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ":")
        }
    }

    static func number(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }

    /// `name{labels} value [timestamp]`, or nil when malformed.
    static func parseSample(_ line: Substring) -> Sample? {
        var rest = line[...]
        let name = rest.prefix { $0 != "{" && $0 != " " }
        guard isMetricName(name) else { return nil }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let labelName = rest.prefix { $0 != "=" }
                guard isMetricName(labelName), !labelName.contains(":"), labels[String(labelName)] == nil else { return nil }
                rest = rest.dropFirst(labelName.count)
                guard rest.hasPrefix("=\"") else { return nil }
                rest = rest.dropFirst(2)
                var value = ""
                while true {
                    guard let character = rest.first else { return nil }
                    rest = rest.dropFirst()
                    if character == "\"" { break }
                    if character == "\\" {
                        guard let escaped = rest.first else { return nil }
                        rest = rest.dropFirst()
                        switch escaped {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: return nil
                        }
                    } else {
                        value.append(character)
                    }
                }
                labels[String(labelName)] = value
                if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" { return nil }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { return nil }
        let fields = rest.dropFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 1 || fields.count == 2, let value = number(fields[0]) else { return nil }
        if fields.count == 2, Int64(fields[1]) == nil { return nil }
        return Sample(name: String(name), labels: labels, value: value)
    }
}
