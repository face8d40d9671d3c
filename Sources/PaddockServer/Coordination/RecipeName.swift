/// The name of a lock or an election: 1 to 64 characters of `[A-Za-z0-9._-]`, and not
/// `.` or `..`.
///
/// Why this rule: the name is one segment of the queue's znode path and of the URL, so it
/// must need no escaping in either, and a name that is a valid member name elsewhere in
/// Paddock is valid here too.
struct RecipeName: Sendable, Hashable, CustomStringConvertible {
    /// The most bytes a name may have.
    static let bytesMax = 64

    /// The name as given.
    let rawValue: String

    /// The name, or nil when it breaks the rule above.
    init?(_ rawValue: some StringProtocol) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= Self.bytesMax, rawValue != ".", rawValue != "..",
            rawValue.utf8.allSatisfy({ byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2E || byte == 0x5F || byte == 0x2D
            })
        else { return nil }
        self.rawValue = String(rawValue)
    }

    var description: String { rawValue }
}
