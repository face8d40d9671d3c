/// The stable codes of domain failures, named after ZooKeeper's.
public enum ErrorCode: String, Sendable, CaseIterable {
    /// The node (or, for create, its parent) does not exist.
    case noNode = "NoNode"
    /// A node already exists at the path being created.
    case nodeExists = "NodeExists"
    /// The node's version differs from the expected one.
    case badVersion = "BadVersion"
    /// The node has children and the delete was not recursive.
    case notEmpty = "NotEmpty"
    /// The parent is ephemeral, and ephemeral nodes have no children.
    case noChildrenForEphemerals = "NoChildrenForEphemerals"
    /// The session is unknown: never opened, closed or expired.
    case sessionExpired = "SessionExpired"
    /// The path is not valid (for example too long once the sequence suffix is added).
    case invalidPath = "InvalidPath"
    /// A value exceeds a size limit.
    case tooLarge = "TooLarge"
    /// The arguments contradict each other or the target (e.g. deleting the root).
    case badArguments = "BadArguments"
    /// The tree's own state is inconsistent; reported rather than hidden.
    case runtimeInconsistency = "RuntimeInconsistency"
    /// A fence op's token is not the one of the queue's current holder (or there is none).
    case fenceMismatch = "FenceMismatch"
}

/// A domain failure: a value in `ApplyResult.failed`, replicated like any result.
public struct ZNodeError: Error, Equatable, Sendable {
    /// What went wrong.
    public var code: ErrorCode
    /// The path concerned, when there is one.
    public var path: ZNodePath?
    /// A human sentence.
    public var message: String
    /// For a multi, the index of the failing operation; nil otherwise.
    public var opIndex: Int?

    /// An error from its parts.
    public init(code: ErrorCode, path: ZNodePath? = nil, message: String, opIndex: Int? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.opIndex = opIndex
    }
}
