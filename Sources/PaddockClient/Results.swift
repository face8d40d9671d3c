import PaddockAPI
import ZNodeTree

/// How fresh a read must be.
public enum Consistency: String, Sendable, CaseIterable {
    /// The default: the read reflects every write acknowledged before it began.
    case linearizable
    /// The answering member's own applied state: faster, possibly behind the leader.
    case serializable
}

/// A node's data and stat, as read at `zxid`.
public struct NodeData: Sendable, Equatable {
    /// The node's path.
    public var path: String
    /// The data bytes.
    public var data: [UInt8]
    /// The node's stat.
    public var stat: Stat
    /// The zxid the read reflects (`Paddock-Zxid`).
    public var zxid: Zxid

    /// The data as UTF-8 text, or nil when it is not valid UTF-8.
    public var string: String? { String(validating: data, as: UTF8.self) }

    /// A node from its parts.
    public init(path: String, data: [UInt8], stat: Stat, zxid: Zxid) {
        self.path = path
        self.data = data
        self.stat = stat
        self.zxid = zxid
    }
}

/// A node's children, as read at `zxid`.
public struct ChildrenList: Sendable, Equatable {
    /// The parent's path.
    public var path: String
    /// The child names, sorted.
    public var names: [String]
    /// Each child's stat by name, when asked for.
    public var stats: [String: Stat]?
    /// The parent's stat, when child stats were asked for.
    public var stat: Stat?
    /// The zxid the read reflects.
    public var zxid: Zxid
}

/// The answer of a create or a set.
public struct WriteResult: Sendable, Equatable {
    /// The created path (with its sequential suffix) or the changed path.
    public var path: String
    /// The node's stat after the write.
    public var stat: Stat
    /// The zxid of the write's log entry.
    public var zxid: Zxid
}

/// The answer of a delete.
public struct DeleteResult: Sendable, Equatable {
    /// The paths removed, deepest first for a recursive delete.
    public var deleted: [String]
    /// The zxid of the delete's log entry.
    public var zxid: Zxid
}

/// A session granted by the server.
public struct SessionGrant: Sendable, Equatable {
    /// The session id.
    public var id: SessionID
    /// The TTL the server granted, in ms.
    public var ttlMs: Int64
    /// The zxid of the entry that opened it.
    public var zxid: Zxid
}

/// The answer of a keepalive.
public struct KeepAliveResult: Sendable, Equatable {
    /// The session id.
    public var id: SessionID
    /// Time left before the session expires without another keepalive, in ms.
    public var remainingMs: Int64
    /// The answering member's applied zxid, when it sent one.
    public var zxid: Zxid?
}

/// The answer of closing a session.
public struct SessionClosed: Sendable, Equatable {
    /// The session id.
    public var id: SessionID
    /// The ephemeral nodes deleted with it.
    public var deleted: [String]
    /// The zxid of the entry that closed it.
    public var zxid: Zxid
}

/// A snapshot of the whole tree, for backups.
public struct SnapshotDownload: Sendable, Equatable {
    /// The zlib-compressed snapshot bytes.
    public var bytes: [UInt8]
    /// The zxid the snapshot reflects.
    public var zxid: Zxid
    /// The size of the snapshot once inflated, in bytes, when the server said it.
    public var uncompressedCount: Int?
}
