import ZNodeTree

/// Why a call to Paddock did not succeed: the server's refusal, or the transport's failure.
///
/// Server refusals carry the problem `code` of the answer (`NoNode`, `BadVersion`, ...),
/// its `detail` as `message`, and the `path`, `opIndex` and `oldestZxid` it named.
/// Transport failures (`unreachable`, `timeout`, `invalidResponse`, `cancelled`) carry the
/// underlying error as `cause`. Switch on `code`; print `description`
/// (`NoNode: no node at /x`).
public struct PaddockError: Error, CustomStringConvertible {
    /// What went wrong: one case per server problem code, then the client's own.
    public enum Code: Hashable, Sendable, CustomStringConvertible {
        /// The node (or a parent) does not exist.
        case noNode
        /// A create of a path that exists.
        case nodeExists
        /// The expected version does not match the node's.
        case badVersion
        /// A delete of a node with children, without `recursive`.
        case notEmpty
        /// A create under an ephemeral node.
        case noChildrenForEphemerals
        /// The session is unknown, closed or expired.
        case sessionExpired
        /// The path breaks the path rules.
        case invalidPath
        /// Data, body, listing or transaction past its limit.
        case tooLarge
        /// Arguments the tree refuses (kind and session or ttl mismatch).
        case badArguments
        /// An internal invariant of the server broke.
        case runtimeInconsistency
        /// A fenced operation carried a token older than the current holder's.
        case fenceMismatch
        /// The server could not read the request.
        case badRequest
        /// No such route on the server.
        case notFound
        /// The route exists for other methods.
        case methodNotAllowed
        /// The server does not read this content type here.
        case unsupportedMediaType
        /// The request line is too long.
        case uriTooLong
        /// The request headers are too large.
        case headerTooLarge
        /// The request's bytes stopped arriving.
        case requestTimeout
        /// The member cannot serve now (overloaded, not ready, stopping); retried.
        case unavailable
        /// The member cannot take writes now; retried.
        case notLeader
        /// No cluster member has this name.
        case noMember
        /// A membership change asked of a single node.
        case notClustered
        /// The session limit is reached; retried.
        case tooManySessions
        /// The connection limit is reached; retried.
        case tooManyConnections
        /// The watch history asked for is gone (see `PaddockError.oldestZxid`).
        case compacted
        /// A bug in the server.
        case internalError
        /// A code this client does not know (a newer server), as the server sent it.
        case other(String)
        /// No endpoint could be reached before the call's deadline.
        case unreachable
        /// An endpoint was reached but did not answer before the call's deadline.
        case timeout
        /// An answer that is not what the API specifies (bad JSON, missing header).
        case invalidResponse
        /// The calling task was cancelled.
        case cancelled

        /// The code for a server's problem `code` string.
        ///
        /// Matched on the string rather than on `APIErrorCode`, so a code added to the
        /// catalogue later arrives as `.other` instead of breaking this build.
        public init(serverCode: String) {
            let known: [PaddockError.Code] = [
                .noNode, .nodeExists, .badVersion, .notEmpty, .noChildrenForEphemerals, .sessionExpired, .invalidPath,
                .tooLarge, .badArguments, .runtimeInconsistency, .fenceMismatch, .badRequest, .notFound,
                .methodNotAllowed, .unsupportedMediaType, .uriTooLong, .headerTooLarge, .requestTimeout, .unavailable,
                .notLeader, .noMember, .notClustered, .tooManySessions, .tooManyConnections, .compacted,
                .internalError,
            ]
            self = known.first(where: { $0.name == serverCode }) ?? .other(serverCode)
        }

        /// The code's name: the server's code string, or the client's own name.
        public var name: String {
            switch self {
            case .noNode: "NoNode"
            case .nodeExists: "NodeExists"
            case .badVersion: "BadVersion"
            case .notEmpty: "NotEmpty"
            case .noChildrenForEphemerals: "NoChildrenForEphemerals"
            case .sessionExpired: "SessionExpired"
            case .invalidPath: "InvalidPath"
            case .tooLarge: "TooLarge"
            case .badArguments: "BadArguments"
            case .runtimeInconsistency: "RuntimeInconsistency"
            case .fenceMismatch: "FenceMismatch"
            case .badRequest: "BadRequest"
            case .notFound: "NotFound"
            case .methodNotAllowed: "MethodNotAllowed"
            case .unsupportedMediaType: "UnsupportedMediaType"
            case .uriTooLong: "URITooLong"
            case .headerTooLarge: "HeaderTooLarge"
            case .requestTimeout: "RequestTimeout"
            case .unavailable: "Unavailable"
            case .notLeader: "NotLeader"
            case .noMember: "NoMember"
            case .notClustered: "NotClustered"
            case .tooManySessions: "TooManySessions"
            case .tooManyConnections: "TooManyConnections"
            case .compacted: "Compacted"
            case .internalError: "Internal"
            case .other(let code): code
            case .unreachable: "Unreachable"
            case .timeout: "Timeout"
            case .invalidResponse: "InvalidResponse"
            case .cancelled: "Cancelled"
            }
        }

        /// Whether the failure says nothing about the request itself, so the same request
        /// may succeed on another member or later: 503 codes and transport failures.
        public var isRetryable: Bool {
            switch self {
            case .unavailable, .notLeader, .tooManySessions, .tooManyConnections, .unreachable, .timeout: true
            default: false
            }
        }

        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// A sentence for a human: the server's `detail`, or the transport's account.
    public var message: String
    /// The HTTP status of the answer, for server refusals.
    public var status: Int?
    /// The znode path the server named.
    public var path: String?
    /// The failing operation of a transaction, 0-based.
    public var opIndex: Int?
    /// For `compacted`: the oldest zxid a watch can resume after.
    public var oldestZxid: Zxid?
    /// The `Paddock-Zxid` of the answer, when there was one.
    public var zxid: Zxid?
    /// The endpoint that answered (or failed last).
    public var endpoint: String?
    /// The underlying error of a transport failure.
    public var cause: (any Error)?

    /// An error from its parts.
    public init(
        _ code: Code, _ message: String, status: Int? = nil, path: String? = nil, opIndex: Int? = nil,
        oldestZxid: Zxid? = nil, zxid: Zxid? = nil, endpoint: String? = nil, cause: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.status = status
        self.path = path
        self.opIndex = opIndex
        self.oldestZxid = oldestZxid
        self.zxid = zxid
        self.endpoint = endpoint
        self.cause = cause
    }

    /// `Code: message`, one line.
    public var description: String { "\(code.name): \(message)" }
}
