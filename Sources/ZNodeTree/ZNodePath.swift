/// A validated, absolute znode path such as `/app/config`.
///
/// Follows ZooKeeper's rules: it starts with `/`, segments are separated by a single `/`,
/// no segment is empty, `.` or `..`, there is no trailing `/` except for the root itself,
/// and no character is NUL or a control character (U+0000–U+001F, U+007F–U+009F).
///
/// Invariant: `string` satisfies those rules. Equality, hashing and ordering use the UTF-8
/// bytes (not Unicode canonical equivalence), so two paths are the same node exactly
/// when their bytes are equal, and the order is the same on every platform.
public struct ZNodePath: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The path text, e.g. `/app/config`; `/` for the root.
    public let string: String

    /// The root path `/`, which always exists.
    public static let root = ZNodePath(unchecked: "/")

    /// Validates `string` as a path.
    ///
    /// - Parameter bytesMax: the longest accepted path in UTF-8 bytes (1,024 by default).
    /// - Throws: `PathError` naming the first rule broken.
    public init(validating string: String, bytesMax: Int = 1024) throws(PathError) {
        if let message = ZNodePath.problem(in: string, bytesMax: bytesMax) {
            throw PathError(path: string, message: message)
        }
        self.string = string
    }

    /// Wraps a string already known to be valid.
    init(unchecked string: String) {
        self.string = string
    }

    /// Whether this is `/`.
    public var isRoot: Bool { string.utf8.count == 1 }

    /// The path of the parent node; nil for the root.
    public var parent: ZNodePath? {
        if isRoot { return nil }
        let utf8 = string.utf8
        guard let slash = utf8.lastIndex(of: UInt8(ascii: "/")) else {
            preconditionFailure("path without a slash: \(string)")
        }
        if slash == utf8.startIndex { return .root }
        return ZNodePath(unchecked: String(string[..<slash]))
    }

    /// The last segment; `""` for the root.
    public var name: String {
        if isRoot { return "" }
        let utf8 = string.utf8
        guard let slash = utf8.lastIndex(of: UInt8(ascii: "/")) else {
            preconditionFailure("path without a slash: \(string)")
        }
        return String(string[utf8.index(after: slash)...])
    }

    /// The number of segments: 0 for the root, 1 for `/a`, 2 for `/a/b`.
    public var depth: Int {
        if isRoot { return 0 }
        var count = 0
        for byte in string.utf8 where byte == UInt8(ascii: "/") { count += 1 }
        return count
    }

    /// The path of the child called `name`.
    ///
    /// Precondition: `name` is a valid segment (non-empty, not `.` or `..`, no `/`, no
    /// control characters); a caller with untrusted text uses `init(validating:)` instead.
    /// No length limit is applied here.
    public func appending(_ name: String) -> ZNodePath {
        let joined = isRoot ? "/" + name : string + "/" + name
        precondition(
            ZNodePath.problem(in: joined, bytesMax: Int.max) == nil,
            "invalid segment \(name.debugDescription) appended to \(string)")
        return ZNodePath(unchecked: joined)
    }

    /// Whether `other` lies strictly below this path (the root is an ancestor of all others).
    public func isAncestor(of other: ZNodePath) -> Bool {
        let mine = string.utf8
        let theirs = other.string.utf8
        guard theirs.count > mine.count else { return false }
        if isRoot { return true }
        guard theirs.starts(with: mine) else { return false }
        return theirs[theirs.index(theirs.startIndex, offsetBy: mine.count)] == UInt8(ascii: "/")
    }

    /// The path text.
    public var description: String { string }

    /// Byte equality of the UTF-8 text (not Unicode canonical equivalence).
    public static func == (lhs: ZNodePath, rhs: ZNodePath) -> Bool {
        UTF8Bytes.equal(lhs.string, rhs.string)
    }

    /// Hashes the UTF-8 bytes, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        UTF8Bytes.hash(string, into: &hasher)
    }

    /// Lexicographic order of the UTF-8 bytes.
    public static func < (lhs: ZNodePath, rhs: ZNodePath) -> Bool {
        UTF8Bytes.precedes(lhs.string, rhs.string)
    }

    /// The first rule `string` breaks, as a sentence; nil when it is a valid path.
    static func problem(in string: String, bytesMax: Int) -> String? {
        let utf8 = string.utf8
        if utf8.isEmpty { return "path is empty" }
        if utf8.count > bytesMax {
            return "path is \(utf8.count) bytes long, longer than the limit of \(bytesMax)"
        }
        if utf8.first != UInt8(ascii: "/") { return "path must start with /" }
        if utf8.count == 1 { return nil }
        if utf8.last == UInt8(ascii: "/") { return "path must not end with /" }
        for scalar in string.unicodeScalars {
            let value = scalar.value
            if value <= 0x1F || (value >= 0x7F && value <= 0x9F) {
                let hex = String(value, radix: 16, uppercase: true)
                return "path contains the control character U+\(String(repeating: "0", count: 4 - hex.count) + hex)"
            }
        }
        for segment in utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if segment.isEmpty { return "path contains an empty segment (//)" }
            if segment.elementsEqual(".".utf8) || segment.elementsEqual("..".utf8) {
                return "path contains a relative segment (. or ..)"
            }
        }
        return nil
    }
}

/// Why a text is not a valid `ZNodePath`.
public struct PathError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The rejected text.
    public var path: String
    /// A human sentence naming the rule broken, e.g. "path must start with /".
    public var message: String

    /// An error for `path`.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// The message followed by the rejected path.
    public var description: String { "\(message): \(path.debugDescription)" }
}
