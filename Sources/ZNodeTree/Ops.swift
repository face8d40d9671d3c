/// Creates one znode.
///
/// See `ZNodeTree.apply(_:)` for the rules and the errors each one yields.
public struct CreateOp: Equatable, Sendable {
    /// The requested path; for sequential kinds the counter is appended to its last segment.
    public var path: ZNodePath
    /// The initial data.
    public var data: [UInt8]
    /// The kind of node.
    public var kind: NodeKind
    /// The owning session; required for ephemeral kinds and forbidden for others.
    public var session: SessionID?
    /// The time-to-live in ms; required (> 0) for `ttl` and forbidden for others.
    public var ttlMs: Int64?
    /// Whether missing ancestors are created first, as persistent nodes with empty data.
    public var createParents: Bool

    /// A create from its parts.
    public init(
        path: ZNodePath, data: [UInt8] = [], kind: NodeKind = .persistent,
        session: SessionID? = nil, ttlMs: Int64? = nil, createParents: Bool = false
    ) {
        self.path = path
        self.data = data
        self.kind = kind
        self.session = session
        self.ttlMs = ttlMs
        self.createParents = createParents
    }
}

/// Replaces the data of one znode.
public struct SetDataOp: Equatable, Sendable {
    /// The node to change.
    public var path: ZNodePath
    /// The new data.
    public var data: [UInt8]
    /// When set, the change happens only if the node's version equals it (else BadVersion).
    public var expectedVersion: Int64?

    /// A set-data from its parts.
    public init(path: ZNodePath, data: [UInt8], expectedVersion: Int64? = nil) {
        self.path = path
        self.data = data
        self.expectedVersion = expectedVersion
    }
}

/// Deletes one znode, or with `recursive` its whole subtree.
public struct DeleteOp: Equatable, Sendable {
    /// The node to delete.
    public var path: ZNodePath
    /// When set, the delete happens only if the node's version equals it (else BadVersion);
    /// for a recursive delete only the top node is checked.
    public var expectedVersion: Int64?
    /// Whether children are deleted too (else a node with children fails with NotEmpty).
    public var recursive: Bool

    /// A delete from its parts.
    public init(path: ZNodePath, expectedVersion: Int64? = nil, recursive: Bool = false) {
        self.path = path
        self.expectedVersion = expectedVersion
        self.recursive = recursive
    }
}

/// Asserts that a znode exists (and has a version) inside a multi; changes nothing.
public struct CheckOp: Equatable, Sendable {
    /// The node that must exist.
    public var path: ZNodePath
    /// When set, the node's version must equal it (else BadVersion).
    public var expectedVersion: Int64?

    /// A check from its parts.
    public init(path: ZNodePath, expectedVersion: Int64? = nil) {
        self.path = path
        self.expectedVersion = expectedVersion
    }
}

/// One operation of a multi (transaction).
public enum Op: Equatable, Sendable {
    /// Creates a node.
    case create(CreateOp)
    /// Sets a node's data.
    case setData(SetDataOp)
    /// Deletes a node (or subtree).
    case delete(DeleteOp)
    /// Asserts a node's existence and version.
    case check(CheckOp)
    /// Asserts that a queue's holder has a fencing token (FenceMismatch otherwise).
    case fence(FenceOp)
}

/// Asserts inside a multi that the holder of a queue directory carries a fencing token;
/// changes nothing.
///
/// Why: locks and elections keep their contenders as children of one directory (see
/// `ZNodeTree.queueHead(of:)`), and a grant's fencing token is the czxid of the head
/// child. A write guarded by a fence applies only while that grant still stands, in the
/// same entry, so no later holder can be overtaken by a stale one.
public struct FenceOp: Equatable, Sendable {
    /// The queue directory (for a lock named N, `/paddock/locks/N`).
    public var directory: ZNodePath
    /// The token the current holder must have: the czxid of the queue's head child.
    public var token: Zxid

    /// A fence from its parts.
    public init(directory: ZNodePath, token: Zxid) {
        self.directory = directory
        self.token = token
    }
}
