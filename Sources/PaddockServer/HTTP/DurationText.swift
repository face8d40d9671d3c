import PaddockAPI

/// Durations as clients write them: integer milliseconds, or text with a unit
/// (`500ms`, `10s`, `2m`, `1h`; a bare number in text is milliseconds too).
enum DurationText {
    /// Milliseconds for a JSON value: an integer number or a string as above.
    ///
    /// - Throws: `RequestRejection` (`BadRequest`) naming `field` for any other value.
    static func milliseconds(_ value: JSONValue, field: String) throws(RequestRejection) -> Int64 {
        switch value {
        case .number(let text):
            guard let ms = Int64(text) else {
                throw RequestRejection(.badRequest, "\"\(field)\" must be an integer number of ms or a duration like \"10s\", got \(text)")
            }
            return ms
        case .string(let text):
            return try milliseconds(text, field: field)
        default:
            throw RequestRejection(.badRequest, "\"\(field)\" must be an integer number of ms or a duration like \"10s\", got a \(value.typeName)")
        }
    }

    /// Milliseconds for text such as `10s`.
    static func milliseconds(_ text: String, field: String) throws(RequestRejection) -> Int64 {
        let digits = text.prefix(while: { $0.isASCII && $0.isNumber })
        let unit = text.dropFirst(digits.count)
        let scale: Int64? =
            switch unit {
            case "", "ms": 1
            case "s": 1_000
            case "m": 60_000
            case "h": 3_600_000
            default: nil
            }
        guard !digits.isEmpty, let scale, let count = Int64(digits) else {
            throw RequestRejection(.badRequest, "\"\(field)\" must be a duration like \"500ms\", \"10s\", \"2m\" or \"1h\", got \"\(text)\"")
        }
        let (ms, overflow) = count.multipliedReportingOverflow(by: scale)
        guard !overflow else { throw RequestRejection(.badRequest, "\"\(field)\" is too large: \"\(text)\"") }
        return ms
    }
}
