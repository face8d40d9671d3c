/// Reads Porcupine's key/value history format into operations for `KeyValueModel`.
///
/// Each line is exactly
/// `{:process P, :type :invoke|:ok, :f :get|:put|:append, :key "K", :value nil|"S"}`.
/// Time is line order. An `:invoke` opens an operation for its process and the process's
/// next line (an `:ok`) completes it; an operation still open at the end has an unknown
/// outcome. A get's invocation carries `nil` and its completion the string read; a put's
/// or append's completion repeats its string.
public enum PorcupineKeyValueHistory {
    /// Parses a whole file's text.
    ///
    /// - Throws: `HistoryParseError` naming the first line that breaks the format.
    public static func parse(_ text: String) throws(HistoryParseError) -> [HistoryOperation<KeyValueInput, KeyValueOutput>] {
        var open: [Int: (input: KeyValueInput, callTime: Int)] = [:]
        var operations: [HistoryOperation<KeyValueInput, KeyValueOutput>] = []
        for (number, text) in numberedLines(text) {
            let event = try parseLine(text, number: number)
            if event.isInvoke {
                if let previous = open[event.process] {
                    throw HistoryParseError(
                        code: .invokeWhileOpen,
                        message: "process \(event.process) invokes while its operation from line \(previous.callTime) is open",
                        line: number)
                }
                let input: KeyValueInput
                switch (event.function, event.value) {
                case ("get", nil): input = .get(key: event.key)
                case ("put", let value?): input = .put(key: event.key, value: value)
                case ("append", let value?): input = .append(key: event.key, value: value)
                default:
                    throw HistoryParseError(
                        code: .malformedLine,
                        message: "a get's invocation carries nil and a put's or append's a string", line: number)
                }
                open[event.process] = (input, number)
            } else {
                guard let invoked = open.removeValue(forKey: event.process) else {
                    throw HistoryParseError(
                        code: .completionWithoutInvoke,
                        message: "process \(event.process) completes an operation it never invoked", line: number)
                }
                let mismatch = HistoryParseError(
                    code: .completionMismatch,
                    message: "process \(event.process)'s completion does not match its invocation \(invoked.input)",
                    line: number)
                let output: KeyValueOutput
                switch (invoked.input, event.function, event.value) {
                case (.get(let key), "get", let value?) where key == event.key:
                    output = .value(value)
                case (.put(let key, let value), "put", let repeated?) where key == event.key && value == repeated:
                    output = .ok
                case (.append(let key, let value), "append", let repeated?) where key == event.key && value == repeated:
                    output = .ok
                default:
                    throw mismatch
                }
                operations.append(HistoryOperation(
                    clientID: event.process, input: invoked.input, output: output,
                    callTime: invoked.callTime, returnTime: number))
            }
        }
        for (process, invoked) in open.sorted(by: { $0.value.callTime < $1.value.callTime }) {
            operations.append(HistoryOperation(
                clientID: process, input: invoked.input, output: .unknown,
                callTime: invoked.callTime, returnTime: nil))
        }
        return operations
    }

    private struct Event {
        var process: Int
        var isInvoke: Bool
        var function: String
        var key: String
        var value: String?
    }

    /// Matches one line against the exact format.
    private static func parseLine(_ line: Substring, number: Int) throws(HistoryParseError) -> Event {
        var cursor = Cursor(rest: line)
        guard cursor.take("{:process "), let process = cursor.takeDigits(),
            cursor.take(", :type :"), let type = cursor.takeOne(of: ["invoke", "ok"]),
            cursor.take(", :f :"), let function = cursor.takeOne(of: ["get", "put", "append"]),
            cursor.take(", :key \""), let key = cursor.takeUntilQuote(), cursor.take("\""),
            cursor.take(", :value ")
        else {
            throw HistoryParseError(code: .malformedLine, message: "not a key/value event: \"\(line)\"", line: number)
        }
        var value: String?
        if cursor.take("nil") {
            value = nil
        } else if cursor.take("\""), let string = cursor.takeUntilQuote(), cursor.take("\"") {
            value = string
        } else {
            throw HistoryParseError(code: .malformedLine, message: "value is not nil or a string: \"\(line)\"", line: number)
        }
        guard cursor.take("}"), cursor.rest.isEmpty else {
            throw HistoryParseError(code: .malformedLine, message: "unexpected text after the value: \"\(line)\"", line: number)
        }
        return Event(process: process, isInvoke: type == "invoke", function: function, key: key, value: value)
    }

    /// A position in a line being matched from left to right.
    private struct Cursor {
        var rest: Substring

        /// Consumes `literal` if the rest starts with it.
        mutating func take(_ literal: String) -> Bool {
            guard rest.hasPrefix(literal) else { return false }
            rest = rest.dropFirst(literal.count)
            return true
        }

        /// Consumes the first of `words` the rest starts with.
        mutating func takeOne(of words: [String]) -> String? {
            for word in words where take(word) { return word }
            return nil
        }

        /// Consumes a run of ASCII digits as a number.
        mutating func takeDigits() -> Int? {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard let value = parseDecimal(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            return value
        }

        /// Consumes everything up to (not including) the next `"`; fails if there is none.
        mutating func takeUntilQuote() -> String? {
            guard let quote = rest.firstIndex(of: "\"") else { return nil }
            let text = String(rest[..<quote])
            rest = rest[quote...]
            return text
        }
    }
}
