import Foundation

/// How znode data travels inside JSON: a UTF-8 string (the default) or base64.
///
/// On reads, data that is not valid UTF-8 is sent as base64 even when `utf8` was asked
/// for, and the response's `encoding` field says which one was used, so a reader never
/// receives mangled bytes.
public enum DataEncoding: String, Codable, Sendable, CaseIterable {
    /// `data` is the bytes as a JSON string (they must be valid UTF-8).
    case utf8
    /// `data` is standard base64 (RFC 4648 §4, with padding).
    case base64

    /// Decodes `text` into bytes under this encoding.
    ///
    /// - Returns: nil when `text` is not valid base64 (for `base64`); `utf8` always succeeds.
    public func decode(_ text: String) -> [UInt8]? {
        switch self {
        case .utf8:
            return Array(text.utf8)
        case .base64:
            guard let data = Data(base64Encoded: text) else { return nil }
            return [UInt8](data)
        }
    }

    /// Standard base64 of `bytes`, with padding.
    public static func base64String(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}
