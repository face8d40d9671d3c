import NIOCore
import PaddockAPI
import ZNodeTree

/// A request body as the node and session handlers read it: named fields (from JSON or a
/// form) or raw bytes.
///
/// Media types: `application/json` (and `+json`) → fields; `application/x-www-form-urlencoded`
/// (what `curl -d` sends) → fields, all text; `application/octet-stream` and `text/plain` →
/// raw data. An empty body is an empty set of fields whatever its type.
///
/// `curl -d '{"data":"x"}'` labels its JSON as a form; a form body whose first
/// non-blank byte is `{` is therefore read as JSON (no form field name starts with `{` here:
/// every accepted field name is a plain word).
enum RequestBody {
    /// Members of a JSON object or a form.
    case fields([(key: String, value: JSONValue)], isForm: Bool)
    /// The bytes as they came.
    case raw([UInt8])

    /// The most members one JSON object (at any depth) or one form may have. Accepted
    /// bodies have a handful of fields; the cap keeps a hostile body from costing more
    /// than its size. Transaction `ops` arrays are not limited by it (they have their own
    /// `txnOpsMax`).
    static let fieldsMax = 256

    /// Decodes the body of `request`.
    ///
    /// - Parameter acceptsRaw: whether raw media types are meaningful for the route.
    /// - Throws: `RequestRejection`: `UnsupportedMediaType` for other types, `BadRequest`
    ///   for malformed JSON or form bodies.
    init(of request: APIRequest, acceptsRaw: Bool) throws(RequestRejection) {
        let body = request.body
        guard body.readableBytes > 0 else {
            self = .fields([], isForm: false)
            return
        }
        let contentType = request.contentType ?? ""
        let isJSON = contentType == "application/json"
            || (contentType.hasPrefix("application/") && contentType.hasSuffix("+json"))
        let isRaw = contentType == "application/octet-stream" || contentType == "text/plain"
        switch contentType {
        case _ where isJSON:
            self = .fields(try Self.jsonObject(body), isForm: false)
        case "application/x-www-form-urlencoded" where Self.startsWithBrace(body):
            self = .fields(try Self.jsonObject(body), isForm: false)
        case "application/x-www-form-urlencoded":
            self = .fields(try Self.form(body), isForm: true)
        case _ where isRaw && acceptsRaw:
            self = .raw(body.getBytes(at: body.readerIndex, length: body.readableBytes) ?? [])
        default:
            let accepted = acceptsRaw
                ? "application/json, application/x-www-form-urlencoded, application/octet-stream or text/plain"
                : "application/json or application/x-www-form-urlencoded"
            throw RequestRejection(
                .unsupportedMediaType,
                "Content-Type \(contentType.isEmpty ? "(none)" : "\"\(contentType)\"") is not accepted here; send \(accepted)")
        }
    }

    /// Whether the first byte that is not JSON whitespace is `{`.
    static func startsWithBrace(_ body: ByteBuffer) -> Bool {
        let first = body.readableBytesView.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        return first == UInt8(ascii: "{")
    }

    /// Parses a body that must be one JSON object.
    static func jsonObject(_ body: ByteBuffer) throws(RequestRejection) -> [(key: String, value: JSONValue)] {
        let value = try json(body)
        guard case .object(let members) = value else {
            throw RequestRejection(.badRequest, "the body must be a JSON object, got a \(value.typeName)")
        }
        return members
    }

    /// Parses a body as JSON.
    static func json(_ body: ByteBuffer) throws(RequestRejection) -> JSONValue {
        do {
            return try body.withUnsafeReadableBytes { buffer throws(JSONParseError) in
                try JSONValue(parsing: buffer, objectMembersMax: fieldsMax)
            }
        } catch {
            throw RequestRejection(.badRequest, error.description)
        }
    }

    /// Parses an `application/x-www-form-urlencoded` body into text fields; a repeated
    /// field is refused.
    static func form(_ body: ByteBuffer) throws(RequestRejection) -> [(key: String, value: JSONValue)] {
        let bytes = body.getBytes(at: body.readerIndex, length: body.readableBytes) ?? []
        var members: [(key: String, value: JSONValue)] = []
        var seenNames: Set<String> = []
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let nameBytes = PercentDecoding.decode(parts[0], plusAsSpace: true),
                let name = String(validating: nameBytes, as: UTF8.self),
                let valueBytes = PercentDecoding.decode(parts.count > 1 ? parts[1] : [], plusAsSpace: true)
            else {
                throw RequestRejection(.badRequest, "the form body has a bad percent-encoding")
            }
            guard let value = String(validating: valueBytes, as: UTF8.self) else {
                throw RequestRejection(
                    .badRequest, "form field \"\(name)\" is not UTF-8 text; send raw bytes as application/octet-stream or use encoding=base64")
            }
            guard members.count < fieldsMax else {
                throw RequestRejection(.badRequest, "a form body has at most \(fieldsMax) fields")
            }
            guard seenNames.insert(name).inserted else {
                throw RequestRejection(.badRequest, "form field \"\(name)\" is given twice")
            }
            members.append((name, .string(value)))
        }
        return members
    }
}
