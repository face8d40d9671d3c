/// The metadata of a znode, with ZooKeeper's meaning for each field.
public struct Stat: Equatable, Sendable {
    /// The zxid of the entry that created the node.
    public var czxid: Zxid
    /// The zxid of the entry that last set the node's data (its creation at first).
    public var mzxid: Zxid
    /// The zxid of the entry that last added or removed a child (its creation at first).
    public var pzxid: Zxid
    /// The creation time in ms since the Unix epoch, taken from the creating entry.
    public var ctimeMs: Int64
    /// The time of the last data change in ms since the Unix epoch, from its entry.
    public var mtimeMs: Int64
    /// The number of data changes since creation; starts at 0.
    public var version: Int64
    /// The number of child creations and deletions since creation; starts at 0.
    public var cversion: Int64
    /// The owning session of an ephemeral node; nil for all other kinds.
    public var ephemeralOwner: SessionID?
    /// The data size in bytes.
    public var dataLength: Int
    /// The number of children.
    public var numChildren: Int
    /// The kind the node was created as.
    public var kind: NodeKind
    /// The time-to-live of a `ttl` node in ms; nil for all other kinds.
    public var ttlMs: Int64?

    /// A stat from all of its fields.
    public init(
        czxid: Zxid, mzxid: Zxid, pzxid: Zxid, ctimeMs: Int64, mtimeMs: Int64,
        version: Int64, cversion: Int64, ephemeralOwner: SessionID?, dataLength: Int,
        numChildren: Int, kind: NodeKind, ttlMs: Int64?
    ) {
        self.czxid = czxid
        self.mzxid = mzxid
        self.pzxid = pzxid
        self.ctimeMs = ctimeMs
        self.mtimeMs = mtimeMs
        self.version = version
        self.cversion = cversion
        self.ephemeralOwner = ephemeralOwner
        self.dataLength = dataLength
        self.numChildren = numChildren
        self.kind = kind
        self.ttlMs = ttlMs
    }
}
