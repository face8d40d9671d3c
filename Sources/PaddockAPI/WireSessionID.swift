import ZNodeTree

/// A session id as the API writes it: 16 lowercase hex digits in a JSON string.
public struct WireSessionID: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The id.
    public var id: SessionID

    /// Wraps an id.
    public init(_ id: SessionID) { self.id = id }

    /// Decodes a 16-hex-digit string.
    ///
    /// - Throws: `DecodingError.dataCorrupted` for anything else.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard text.utf8.count == 16, let id = SessionID(hex: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a session id: \(text)")
        }
        self.id = id
    }

    /// Encodes the 16-hex-digit string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(id.description)
    }

    public var description: String { id.description }
}
