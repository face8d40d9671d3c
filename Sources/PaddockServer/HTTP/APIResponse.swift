import NIOCore
import NIOHTTP1
import PaddockAPI
import ZNodeTree

/// One complete HTTP response produced by a handler.
///
/// `zxid` becomes the `Paddock-Zxid` header; when a handler leaves it nil the responder
/// fills in the member's applied zxid, so every response carries one.
public struct APIResponse: Sendable {
    /// The status.
    public var status: HTTPResponseStatus
    /// Headers besides `Content-Length`, `Connection` and `Paddock-Zxid`.
    public var headers: HTTPHeaders
    /// The body bytes.
    public var body: ByteBuffer
    /// The zxid this response reflects.
    public var zxid: Zxid?
    /// The body written over time instead of `body` (Server-Sent Events); nil for a
    /// complete response.
    public var stream: (any ResponseStream)?

    /// A response from its parts.
    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer(), zxid: Zxid? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.zxid = zxid
    }

    /// A streaming response: the head now, then `stream` writes the body.
    static func streaming(_ stream: any ResponseStream, headers: HTTPHeaders, zxid: Zxid) -> APIResponse {
        var response = APIResponse(status: .ok, headers: headers, zxid: zxid)
        response.stream = stream
        return response
    }

    /// The headers of a JSON response, built once and shared (copy-on-write).
    private static let jsonHeaders: HTTPHeaders = ["Content-Type": "application/json"]

    /// A JSON response.
    static func json(_ status: HTTPResponseStatus, _ writer: JSONWriter, zxid: Zxid?) -> APIResponse {
        return APIResponse(status: status, headers: jsonHeaders, body: ByteBuffer(bytes: writer.bytes), zxid: zxid)
    }

    /// A problem+json response; its status comes from the problem's code.
    static func problem(_ problem: ProblemDetails, zxid: Zxid? = nil, extraHeaders: HTTPHeaders = [:]) -> APIResponse {
        var headers = extraHeaders
        headers.add(name: "Content-Type", value: ProblemDetails.mediaType)
        return APIResponse(
            status: HTTPResponseStatus(statusCode: problem.status), headers: headers,
            body: ByteBuffer(bytes: problem.jsonBytes()), zxid: zxid)
    }

    /// A problem+json response for `code`.
    static func problem(
        _ code: APIErrorCode, _ detail: String, path: String? = nil, opIndex: Int? = nil, zxid: Zxid? = nil
    ) -> APIResponse {
        problem(ProblemDetails(code, detail: detail, path: path, opIndex: opIndex), zxid: zxid)
    }

    /// The problem for an operating error of the replica, with `Retry-After` when it helps.
    static func problem(_ error: ReplicaError) -> APIResponse {
        let code: APIErrorCode
        switch error.code {
        case .unavailable, .storage, .shuttingDown: code = .unavailable
        case .sessionExpired: code = .sessionExpired
        case .tooManySessions: code = .tooManySessions
        case .proposalTooLarge: code = .tooLarge
        }
        var headers = HTTPHeaders()
        if let seconds = error.retryAfterSeconds {
            headers.add(name: "Retry-After", value: String(seconds))
        } else if code.httpStatus == 503 {
            headers.add(name: "Retry-After", value: "1")
        }
        return problem(ProblemDetails(code, detail: error.message), extraHeaders: headers)
    }

    /// The problem for a domain failure of the tree, at the zxid of the entry that carried it.
    static func problem(_ error: ZNodeError, zxid: Zxid?) -> APIResponse {
        problem(
            ProblemDetails(APIErrorCode(error.code), detail: error.message, path: error.path?.string, opIndex: error.opIndex),
            zxid: zxid)
    }
}

/// A request refused before it reached the replica, carried as an error so decoding code
/// can use `throws` and the handler turns it into one problem response.
struct RequestRejection: Error, Sendable {
    /// The problem to answer.
    var problem: ProblemDetails

    init(_ code: APIErrorCode, _ detail: String, path: String? = nil, opIndex: Int? = nil) {
        problem = ProblemDetails(code, detail: detail, path: path, opIndex: opIndex)
    }

    var response: APIResponse { .problem(problem) }
}
