import PaddockAPI

/// The decoded query string of a request, checked against the names a route accepts.
///
/// Unknown parameters are refused (400 `BadRequest`) rather than ignored: a typo such as
/// `?verison=3` on a DELETE would otherwise turn a conditional delete into an
/// unconditional one. A parameter given twice is refused too.
struct QueryParameters {
    private var values: [String: String] = [:]

    /// Parses `raw` and checks every name is in `allowed`.
    ///
    /// - Throws: `RequestRejection` (`BadRequest`) for bad percent-encoding, unknown or
    ///   repeated names.
    init(_ raw: Substring?, allowed: Set<String>) throws(RequestRejection) {
        guard let raw, !raw.isEmpty else { return }
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decodeString(parts[0], plusAsSpace: true),
                let value = PercentDecoding.decodeString(parts.count > 1 ? parts[1] : "", plusAsSpace: true)
            else {
                throw RequestRejection(.badRequest, "the query string has a bad percent-encoding")
            }
            guard allowed.contains(name) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw RequestRejection(
                    .badRequest,
                    "unknown query parameter \"\(name)\" (this route accepts: \(known.isEmpty ? "none" : known))")
            }
            guard values.updateValue(value, forKey: name) == nil else {
                throw RequestRejection(.badRequest, "query parameter \"\(name)\" is given twice")
            }
        }
    }

    /// The value of `name`, or nil when absent (an empty string for a bare `?name`).
    subscript(name: String) -> String? { values[name] }

    /// A flag: absent → false; bare, `true` or `1` → true; `false` or `0` → false.
    ///
    /// - Throws: `RequestRejection` for any other value.
    func flag(_ name: String) throws(RequestRejection) -> Bool {
        guard let value = values[name] else { return false }
        switch value {
        case "", "true", "1": return true
        case "false", "0": return false
        default: throw RequestRejection(.badRequest, "query parameter \"\(name)\" must be true or false, got \"\(value)\"")
        }
    }

    /// `?version=N`: nil when absent; else a non-negative integer that fits in 64 bits.
    ///
    /// - Throws: `RequestRejection` (`BadRequest`) for a negative, non-numeric or too large value.
    func version() throws(RequestRejection) -> Int64? {
        guard let text = values["version"] else { return nil }
        return try Self.parseVersion(text)
    }

    /// Parses a version given as text.
    static func parseVersion(_ text: String) throws(RequestRejection) -> Int64 {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            if text.hasPrefix("-"), Int64(text) != nil {
                throw RequestRejection(.badRequest, "version must not be negative, got \(text)")
            }
            throw RequestRejection(.badRequest, "version must be a non-negative integer, got \"\(text)\"")
        }
        guard let version = Int64(text) else {
            throw RequestRejection(.badRequest, "version \(text) is too large (at most \(Int64.max))")
        }
        return version
    }
}
