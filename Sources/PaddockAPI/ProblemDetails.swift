/// An RFC 7807 problem+json error body, the one error format of the API.
///
/// `type` is `https://paddock.dev/errors/<code>` (stable, one per code; it names the
/// documentation of the code and is not fetched), `title` is constant per code, `detail`
/// says what happened to this request. `path` names the znode concerned, `opIndex` the
/// failing operation of a transaction (0-based).
public struct ProblemDetails: Codable, Sendable, Equatable, Error {
    /// The problem type URI, derived from `code`.
    public var type: String
    /// A short constant title for the code.
    public var title: String
    /// The HTTP status, repeated in the body.
    public var status: Int
    /// What went wrong with this request, for a human.
    public var detail: String
    /// The stable machine code (`NoNode`, `BadVersion`, ...).
    public var code: String
    /// The znode path concerned, when there is one.
    public var path: String?
    /// The failing operation of a transaction, 0-based.
    public var opIndex: Int?

    /// The media type of problem bodies.
    public static let mediaType = "application/problem+json"

    /// A problem for `code`, with the status and title the catalogue gives it.
    public init(_ code: APIErrorCode, detail: String, path: String? = nil, opIndex: Int? = nil) {
        self.type = code.typeURI
        self.title = code.title
        self.status = code.httpStatus
        self.detail = detail
        self.code = code.rawValue
        self.path = path
        self.opIndex = opIndex
    }

    /// The catalogued code, when `code` is one (a newer server may send codes this build
    /// does not know).
    public var apiCode: APIErrorCode? { APIErrorCode(rawValue: code) }

    /// The body as JSON bytes (fields in a fixed order).
    public func jsonBytes() -> [UInt8] {
        var writer = JSONWriter(capacity: 128 + detail.utf8.count)
        writer.beginObject()
        writer.key("type"); writer.string(type)
        writer.key("title"); writer.string(title)
        writer.key("status"); writer.number(status)
        writer.key("detail"); writer.string(detail)
        writer.key("code"); writer.string(code)
        if let path { writer.key("path"); writer.string(path) }
        if let opIndex { writer.key("opIndex"); writer.number(opIndex) }
        writer.endObject()
        return writer.bytes
    }
}
