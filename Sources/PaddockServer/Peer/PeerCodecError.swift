/// Bytes from a peer that are not a valid frame.
///
/// Thrown by `PeerCodec.decode` and never a crash: a peer connection that yields one is
/// closed, because nothing after a garbled frame can be trusted to start on a frame border.
public struct PeerCodecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of decoding failure.
    public enum Code: String, Sendable, Equatable {
        /// The bytes end before the value does.
        case truncated
        /// The frame version is not one this build reads.
        case unsupportedVersion
        /// The frame kind or a message, entry or field tag is unknown.
        case unknownKind
        /// A field value is out of range or not in its one canonical encoding.
        case invalidValue
        /// Bytes remain after the frame.
        case trailingBytes
        /// The length prefix is past the frame limit.
        case tooLarge
    }

    /// What kind of failure.
    public var code: Code
    /// A human sentence.
    public var message: String
    /// The byte offset (within the bytes given to the decoder) where decoding failed.
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
