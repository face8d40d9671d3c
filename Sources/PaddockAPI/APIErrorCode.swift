import ZNodeTree

/// The stable error codes of the HTTP API, each with its one HTTP status.
///
/// Codes named after ZooKeeper's come from the tree (`ErrorCode`); the others belong to
/// the HTTP layer. A code never changes meaning once published: clients switch on it.
///
/// | code | status | when |
/// |---|---|---|
/// | `NoNode` | 404 | the node (or a parent) does not exist |
/// | `NodeExists` | 409 | create of a path that exists |
/// | `BadVersion` | 409 | `version` does not match the node's |
/// | `NotEmpty` | 409 | delete of a node with children, without `recursive` |
/// | `NoChildrenForEphemerals` | 400 | create under an ephemeral node |
/// | `SessionExpired` | 410 | unknown, closed or expired session |
/// | `InvalidPath` | 400 | a path that breaks the path rules, or its bad percent-encoding |
/// | `TooLarge` | 413 | data, body, listing or transaction past its limit |
/// | `BadArguments` | 400 | arguments the tree refuses (kind and session or ttl mismatch) |
/// | `RuntimeInconsistency` | 500 | an internal invariant broke |
/// | `FenceMismatch` | 409 | a `fence` op's token is not the current holder's (the lock or election moved on) |
/// | `BadRequest` | 400 | malformed JSON, wrong JSON types, unknown fields or query parameters, bad base64, bad version, a body on a GET |
/// | `NotFound` | 404 | no such route |
/// | `MethodNotAllowed` | 405 | the route exists for other methods (see `Allow`) |
/// | `UnsupportedMediaType` | 415 | a `Content-Type` the route does not read |
/// | `URITooLong` | 414 | the request line is past its limit |
/// | `HeaderTooLarge` | 431 | the request headers are past their limit |
/// | `RequestTimeout` | 408 | a request started but its bytes stopped for `idleTimeoutMs` |
/// | `Unavailable` | 503 | overloaded, not ready, shutting down or storage failed; retry later |
/// | `NotLeader` | 503 | the member cannot take writes now (clusters) |
/// | `NoMember` | 404 | no cluster member has this name |
/// | `NotClustered` | 409 | a membership change asked of a single node, which has no peers |
/// | `TooManySessions` | 503 | the session limit is reached |
/// | `TooManyConnections` | 503 | the connection limit is reached |
/// | `Compacted` | 410 | the history asked for is gone |
/// | `Internal` | 500 | a bug; the detail says what |
public enum APIErrorCode: String, Sendable, CaseIterable {
    case noNode = "NoNode"
    case nodeExists = "NodeExists"
    case badVersion = "BadVersion"
    case notEmpty = "NotEmpty"
    case noChildrenForEphemerals = "NoChildrenForEphemerals"
    case sessionExpired = "SessionExpired"
    case invalidPath = "InvalidPath"
    case tooLarge = "TooLarge"
    case badArguments = "BadArguments"
    case runtimeInconsistency = "RuntimeInconsistency"
    case fenceMismatch = "FenceMismatch"
    case badRequest = "BadRequest"
    case notFound = "NotFound"
    case methodNotAllowed = "MethodNotAllowed"
    case unsupportedMediaType = "UnsupportedMediaType"
    case uriTooLong = "URITooLong"
    case headerTooLarge = "HeaderTooLarge"
    case requestTimeout = "RequestTimeout"
    case unavailable = "Unavailable"
    case notLeader = "NotLeader"
    case noMember = "NoMember"
    case notClustered = "NotClustered"
    case tooManySessions = "TooManySessions"
    case tooManyConnections = "TooManyConnections"
    case compacted = "Compacted"
    case `internal` = "Internal"

    /// The HTTP status this code is always answered with (the table above).
    public var httpStatus: Int {
        switch self {
        case .noNode, .notFound, .noMember: 404
        case .nodeExists, .badVersion, .notEmpty, .notClustered, .fenceMismatch: 409
        case .sessionExpired, .compacted: 410
        case .invalidPath, .badArguments, .badRequest, .noChildrenForEphemerals: 400
        case .tooLarge: 413
        case .methodNotAllowed: 405
        case .unsupportedMediaType: 415
        case .uriTooLong: 414
        case .headerTooLarge: 431
        case .requestTimeout: 408
        case .unavailable, .notLeader, .tooManySessions, .tooManyConnections: 503
        case .runtimeInconsistency, .internal: 500
        }
    }

    /// A short human title, constant per code (problem+json `title`).
    public var title: String {
        switch self {
        case .noNode: "No such node"
        case .nodeExists: "Node already exists"
        case .badVersion: "Version mismatch"
        case .notEmpty: "Node has children"
        case .noChildrenForEphemerals: "Ephemeral nodes cannot have children"
        case .sessionExpired: "Session expired or unknown"
        case .invalidPath: "Invalid path"
        case .tooLarge: "Too large"
        case .badArguments: "Bad arguments"
        case .runtimeInconsistency: "Runtime inconsistency"
        case .fenceMismatch: "Fencing token is not current"
        case .badRequest: "Bad request"
        case .notFound: "No such route"
        case .methodNotAllowed: "Method not allowed"
        case .unsupportedMediaType: "Unsupported media type"
        case .uriTooLong: "Request line too long"
        case .headerTooLarge: "Request headers too large"
        case .requestTimeout: "Request timeout"
        case .unavailable: "Unavailable"
        case .notLeader: "Not the leader"
        case .noMember: "No such member"
        case .notClustered: "Not a cluster"
        case .tooManySessions: "Too many sessions"
        case .tooManyConnections: "Too many connections"
        case .compacted: "History compacted"
        case .internal: "Internal error"
        }
    }

    /// The stable `type` URI of problem+json bodies: `https://paddock.dev/errors/<Code>`.
    public var typeURI: String { "https://paddock.dev/errors/" + rawValue }

    /// The API code for a tree error code (same name).
    public init(_ code: ErrorCode) {
        switch code {
        case .noNode: self = .noNode
        case .nodeExists: self = .nodeExists
        case .badVersion: self = .badVersion
        case .notEmpty: self = .notEmpty
        case .noChildrenForEphemerals: self = .noChildrenForEphemerals
        case .sessionExpired: self = .sessionExpired
        case .invalidPath: self = .invalidPath
        case .tooLarge: self = .tooLarge
        case .badArguments: self = .badArguments
        case .runtimeInconsistency: self = .runtimeInconsistency
        case .fenceMismatch: self = .fenceMismatch
        }
    }
}
