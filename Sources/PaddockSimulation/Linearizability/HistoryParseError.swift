/// A history file that does not follow its format; names the offending line.
public struct HistoryParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of mistake the line holds.
    public enum Code: String, Sendable {
        /// The line does not match the format's grammar.
        case malformedLine
        /// A completion for a process with no open operation.
        case completionWithoutInvoke
        /// An invocation for a process that already has an open operation.
        case invokeWhileOpen
        /// A completion whose operation or arguments differ from its invocation.
        case completionMismatch
    }

    /// The kind of mistake.
    public var code: Code
    /// What is wrong, in words.
    public var message: String
    /// The 1-based number of the offending line.
    public var line: Int

    /// An error from its parts.
    public init(code: Code, message: String, line: Int) {
        self.code = code
        self.message = message
        self.line = line
    }

    /// `line N: message`.
    public var description: String { "line \(line): \(message)" }
}

/// Splits a file's text into its lines, numbered from 1.
///
/// The final newline ends the last line; any other empty line is kept (and rejected by
/// the parsers), as is a stray carriage return.
func numberedLines(_ text: String) -> [(number: Int, text: Substring)] {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    return lines.enumerated().map { ($0.offset + 1, $0.element) }
}

/// A non-negative decimal integer made of ASCII digits only, or `nil`.
func parseDecimal(_ text: Substring) -> Int? {
    guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
    return Int(text)
}
