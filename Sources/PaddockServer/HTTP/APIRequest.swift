import NIOCore
import NIOHTTP1

/// One complete HTTP request as the handlers see it: head, raw path and query, body.
///
/// The path and query are kept raw (still percent-encoded) so each handler decodes exactly
/// the part it owns and can refuse bad encodings with its own error code.
public struct APIRequest: Sendable {
    /// The request method.
    public var method: HTTPMethod
    /// The request target's path, still percent-encoded (`/v1/nodes/a%20b`).
    public var rawPath: Substring
    /// The request target's query without `?`, still percent-encoded; nil when absent.
    public var rawQuery: Substring?
    /// The request headers.
    public var headers: HTTPHeaders
    /// The body bytes; empty when the request had none.
    public var body: ByteBuffer
    /// Parameters captured by the route template, raw (`{id}`, `{path}`).
    public var parameters: [String: Substring] = [:]

    /// A request from a target (`/path?query`) and the rest of its parts.
    public init(method: HTTPMethod, target: String, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.method = method
        if let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            rawPath = target[..<mark]
            rawQuery = target[target.utf8.index(after: mark)...]
        } else {
            rawPath = target[...]
            rawQuery = nil
        }
        self.headers = headers
        self.body = body
    }

    /// The media type of the body without parameters, lowercased (`application/json`).
    var contentType: String? {
        guard let value = headers.first(name: "content-type") else { return nil }
        // Most clients send a bare lowercase type: then there is nothing to cut or fold.
        let plain = value.utf8.allSatisfy { byte in
            byte != UInt8(ascii: ";") && byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t")
                && !(UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        }
        if plain { return value }
        let base = value.split(separator: ";", maxSplits: 1).first ?? ""
        return base.trimmingSpaces().lowercased()
    }
}

extension Substring {
    /// The substring without leading and trailing spaces and tabs.
    func trimmingSpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
