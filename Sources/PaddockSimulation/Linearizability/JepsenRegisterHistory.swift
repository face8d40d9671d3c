/// Reads the Jepsen etcd register history format into operations for `RegisterModel`.
///
/// Each line is `INFO jepsen.util - PROCESS :TYPE :F VALUE` with runs of spaces or tabs
/// between fields. Time is line order: line n happens at time n. An `:invoke` opens an
/// operation for its process and the process's next line completes it. Only the eleven
/// (type, f, value) combinations of the format occur; any other line is an error. An
/// `:info` completion, or an operation still open at the end, has an unknown outcome and
/// no return time. All operations are on one register, key `""`.
public enum JepsenRegisterHistory {
    /// Parses a whole file's text.
    ///
    /// - Throws: `HistoryParseError` naming the first line that breaks the format.
    public static func parse(_ text: String) throws(HistoryParseError) -> [HistoryOperation<RegisterInput, RegisterOutput>] {
        var open: [Int: (input: RegisterInput, callTime: Int, line: Int)] = [:]
        var operations: [HistoryOperation<RegisterInput, RegisterOutput>] = []
        for (number, text) in numberedLines(text) {
            let event = try parseLine(text, number: number)
            switch event.type {
            case .invoke:
                guard open[event.process] == nil else {
                    throw HistoryParseError(
                        code: .invokeWhileOpen,
                        message: "process \(event.process) invokes while its operation from line \(open[event.process]!.line) is open",
                        line: number)
                }
                guard let input = invocationInput(event) else {
                    throw HistoryParseError(code: .malformedLine, message: "invocation with an impossible value: \(text)", line: number)
                }
                open[event.process] = (input, number, number)
            case .ok, .fail, .info:
                guard let invoked = open.removeValue(forKey: event.process) else {
                    throw HistoryParseError(
                        code: .completionWithoutInvoke,
                        message: "process \(event.process) completes an operation it never invoked", line: number)
                }
                let output = try completionOutput(event, invoked: invoked.input, line: number)
                operations.append(HistoryOperation(
                    clientID: event.process, input: invoked.input, output: output,
                    callTime: invoked.callTime, returnTime: event.type == .info ? nil : number))
            }
        }
        // Operations never completed have an unknown outcome; add them in invocation order.
        for (process, invoked) in open.sorted(by: { $0.value.callTime < $1.value.callTime }) {
            operations.append(HistoryOperation(
                clientID: process, input: invoked.input, output: .unknown,
                callTime: invoked.callTime, returnTime: nil))
        }
        return operations
    }

    private enum EventType: String { case invoke, ok, fail, info }
    private enum Function: String { case read, write, cas }
    private enum Value: Equatable { case none, integer(Int), pair(Int, Int), timedOut }

    private struct Event {
        var process: Int
        var type: EventType
        var function: Function
        var value: Value
    }

    /// Splits and validates one line's fields.
    private static func parseLine(_ line: Substring, number: Int) throws(HistoryParseError) -> Event {
        func malformed(_ why: String) -> HistoryParseError {
            HistoryParseError(code: .malformedLine, message: "\(why): \"\(line)\"", line: number)
        }
        let isSeparator: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = line.first, let last = line.last, !isSeparator(first), !isSeparator(last) else {
            throw malformed("empty line or leading/trailing blanks")
        }
        let fields = line.split(whereSeparator: isSeparator)
        guard fields.count == 7 || fields.count == 8 else { throw malformed("expected 7 fields") }
        guard fields[0] == "INFO", fields[1] == "jepsen.util", fields[2] == "-" else {
            throw malformed("expected the prefix INFO jepsen.util -")
        }
        guard let process = parseDecimal(fields[3]) else { throw malformed("process is not a number") }
        guard fields[4].first == ":", let type = EventType(rawValue: String(fields[4].dropFirst())) else {
            throw malformed("type is not :invoke, :ok, :fail or :info")
        }
        guard fields[5].first == ":", let function = Function(rawValue: String(fields[5].dropFirst())) else {
            throw malformed("operation is not :read, :write or :cas")
        }
        let value: Value
        if fields.count == 8 {
            // A pair `[A B]` with exactly one space inside.
            guard fields[6].first == "[", fields[7].last == "]",
                line.hasSuffix(fields[6] + " " + fields[7]),
                let a = parseDecimal(fields[6].dropFirst()), let b = parseDecimal(fields[7].dropLast())
            else { throw malformed("value is not nil, a number, [A B] or :timed-out") }
            value = .pair(a, b)
        } else if fields[6] == "nil" {
            value = .none
        } else if fields[6] == ":timed-out" {
            value = .timedOut
        } else if let integer = parseDecimal(fields[6]) {
            value = .integer(integer)
        } else {
            throw malformed("value is not nil, a number, [A B] or :timed-out")
        }
        guard isAllowed(type: type, function: function, value: value) else {
            throw malformed("this combination of type, operation and value is not part of the format")
        }
        return Event(process: process, type: type, function: function, value: value)
    }

    /// Whether the line is one of the format's eleven combinations.
    private static func isAllowed(type: EventType, function: Function, value: Value) -> Bool {
        switch (type, function, value) {
        case (.invoke, .read, .none), (.ok, .read, .none), (.ok, .read, .integer),
            (.invoke, .write, .integer), (.ok, .write, .integer),
            (.invoke, .cas, .pair), (.ok, .cas, .pair), (.fail, .cas, .pair),
            (.fail, .read, .timedOut), (.info, .write, .timedOut), (.info, .cas, .timedOut):
            return true
        default:
            return false
        }
    }

    /// The register input an `:invoke` line asks for.
    private static func invocationInput(_ event: Event) -> RegisterInput? {
        switch (event.function, event.value) {
        case (.read, .none): .read(key: "")
        case (.write, .integer(let value)): .write(key: "", value: value)
        case (.cas, .pair(let expected, let new)): .compareAndSet(key: "", expected: expected, new: new)
        default: nil
        }
    }

    /// What a completion line tells the client, after checking it matches its invocation.
    private static func completionOutput(
        _ event: Event, invoked: RegisterInput, line: Int
    ) throws(HistoryParseError) -> RegisterOutput {
        let mismatch = HistoryParseError(
            code: .completionMismatch,
            message: "process \(event.process)'s completion does not match its invocation \(invoked)", line: line)
        switch (invoked, event.type, event.value) {
        case (.read, .ok, .none): return .value(nil)
        case (.read, .ok, .integer(let value)): return .value(value)
        case (.read, .fail, .timedOut): return .unknown
        case (.write(_, let value), .ok, .integer(let repeated)):
            guard value == repeated else { throw mismatch }
            return .ok
        case (.write, .info, .timedOut): return .unknown
        case (.compareAndSet(_, let expected, let new), .ok, .pair(let a, let b)):
            guard expected == a, new == b else { throw mismatch }
            return .ok
        case (.compareAndSet(_, let expected, let new), .fail, .pair(let a, let b)):
            guard expected == a, new == b else { throw mismatch }
            return .failed
        case (.compareAndSet, .info, .timedOut): return .unknown
        default: throw mismatch
        }
    }
}
