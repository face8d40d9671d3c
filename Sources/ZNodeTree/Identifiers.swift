/// The log index of the entry that made a change: ZooKeeper's transaction id.
///
/// Every change to the tree is stamped with the zxid of the entry that made it, so zxids
/// order all changes totally. `zero` is the state before the first entry (the root's czxid).
public struct Zxid: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The log index.
    public var rawValue: UInt64

    /// Wraps a log index.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Wraps a log index.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// The position before the first entry.
    public static let zero = Zxid(0)

    /// Log order.
    public static func < (lhs: Zxid, rhs: Zxid) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The index in decimal, as exposed in the API.
    public var description: String { String(rawValue) }
}

/// The identity of a client session; chosen at random by the member that proposes it.
///
/// Its text form is always 16 lowercase hex digits so that ids sort and compare as text
/// the same way they do as numbers.
public struct SessionID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 64-bit id.
    public var rawValue: UInt64

    /// Wraps a 64-bit id.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Wraps a 64-bit id.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// Parses 1 to 16 hex digits (either case, no prefix); nil for anything else.
    public init?(hex: String) {
        let utf8 = hex.utf8
        guard !utf8.isEmpty, utf8.count <= 16 else { return nil }
        var value: UInt64 = 0
        for byte in utf8 {
            guard let digit = hexDigitValue(byte) else { return nil }
            value = value << 4 | UInt64(digit)
        }
        self.rawValue = value
    }

    /// Numeric order, which is also the order of the hex text.
    public static func < (lhs: SessionID, rhs: SessionID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The id as exactly 16 lowercase hex digits.
    public var description: String {
        let digits = String(rawValue, radix: 16, uppercase: false)
        return String(repeating: "0", count: 16 - digits.utf8.count) + digits
    }
}

/// The value of one ASCII hex digit, or nil.
private func hexDigitValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}
