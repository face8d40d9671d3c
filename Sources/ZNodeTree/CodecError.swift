/// Bytes that are not a valid encoding (of an entry or a snapshot).
///
/// Thrown by decoders; never a crash. Garbled bytes in a log or snapshot mean storage
/// corruption or a version mismatch, an operating error for the caller to surface.
public struct CodecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kinds of decoding failure.
    public enum Code: String, Sendable {
        /// The bytes end before the value does.
        case truncated
        /// The format version is not one this build reads.
        case unsupportedVersion
        /// A tag, length or field value is out of range.
        case invalidValue
        /// Bytes remain after the value.
        case trailingBytes
        /// The decoded parts contradict each other (snapshots only).
        case inconsistent
    }

    /// What kind of failure.
    public var code: Code
    /// A human sentence.
    public var message: String
    /// The byte offset where decoding failed.
    public var offset: Int

    /// An error from its parts.
    public init(code: Code, message: String, offset: Int) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    /// The code, offset and message.
    public var description: String { "\(code.rawValue) at byte \(offset): \(message)" }
}
