/// The result of one operation of a successful multi.
public enum OpResult: Equatable, Sendable {
    /// A node was created at `path` (with any sequence suffix).
    case created(path: ZNodePath, stat: Stat)
    /// A node's data was set; its new stat.
    case setData(Stat)
    /// The node at `path` was deleted (a recursive delete removed its subtree too).
    case deleted(path: ZNodePath)
    /// The check held.
    case checked
}

/// The outcome of applying one entry; failures are values, never thrown.
public enum ApplyResult: Equatable, Sendable {
    /// A node was created; `path` includes the sequential suffix.
    case created(path: ZNodePath, stat: Stat)
    /// A node's data was set; its new stat.
    case setData(Stat)
    /// Nodes were deleted: the target, every node of a recursive delete (deepest first),
    /// then any containers removed because they became empty.
    case deleted(paths: [ZNodePath])
    /// A multi succeeded; one result per operation, in order.
    case multi([OpResult])
    /// A session was opened.
    case sessionOpened(SessionID, ttlMs: Int64)
    /// A session was closed; the ephemeral nodes removed, sorted.
    case sessionClosed([ZNodePath])
    /// These sessions (sorted) were expired; unknown ids are not listed.
    case sessionsExpired([SessionID])
    /// These TTL nodes (sorted) were deleted; nodes no longer expired are not listed.
    case ttlNodesExpired([ZNodePath])
    /// Nothing to do.
    case noop
    /// Nothing changed because of this error; for a multi `opIndex` names the failing op.
    case failed(ZNodeError)
}

/// The kind of change a watch event reports.
public enum WatchEventType: String, Sendable, CaseIterable {
    /// The node was created.
    case created
    /// The node's data was set.
    case changed
    /// The node was deleted.
    case deleted
    /// A child of the node was created or deleted.
    case childrenChanged = "children_changed"
}

/// One change, for the watch hub to deliver.
public struct WatchEvent: Equatable, Sendable {
    /// The zxid of the entry that made the change.
    public var zxid: Zxid
    /// What happened.
    public var type: WatchEventType
    /// The node concerned (for `childrenChanged`, the parent).
    public var path: ZNodePath
    /// The node's stat after the change; for `deleted`, its last stat before removal.
    public var stat: Stat?
    /// The node's data, for `created` and `changed`; nil otherwise.
    public var data: [UInt8]?

    /// An event from its parts.
    public init(zxid: Zxid, type: WatchEventType, path: ZNodePath, stat: Stat?, data: [UInt8]?) {
        self.zxid = zxid
        self.type = type
        self.path = path
        self.stat = stat
        self.data = data
    }
}

/// What applying one entry produced.
public struct ApplyOutput: Equatable, Sendable {
    /// The result to return to the client that proposed the entry.
    public var result: ApplyResult
    /// The changes, in the order they were made; empty when nothing changed.
    public var events: [WatchEvent]

    /// An output from its parts.
    public init(result: ApplyResult, events: [WatchEvent]) {
        self.result = result
        self.events = events
    }
}

/// A session as the tree knows it.
public struct SessionInfo: Equatable, Sendable {
    /// The session's id.
    public var id: SessionID
    /// The time-to-live asked for at open, in ms; deadlines are tracked by the leader.
    public var ttlMs: Int64
    /// The session's ephemeral nodes, sorted.
    public var ephemerals: [ZNodePath]

    /// A session from its parts.
    public init(id: SessionID, ttlMs: Int64, ephemerals: [ZNodePath]) {
        self.id = id
        self.ttlMs = ttlMs
        self.ephemerals = ephemerals
    }
}
