/// What one log entry asks the tree to do.
///
/// Commands are decided by the proposing member (random session ids, which sessions or
/// TTL nodes to expire) so that applying them is deterministic on every member.
public enum Command: Equatable, Sendable {
    /// Creates a node. Fails, checked in this order, with BadArguments (ttl or session not
    /// matching the kind), SessionExpired, NoNode (parent), InvalidPath (too long with the
    /// sequence suffix), NodeExists, NoChildrenForEphemerals.
    case create(CreateOp)
    /// Sets a node's data. Fails with NoNode or BadVersion.
    case setData(SetDataOp)
    /// Deletes a node (or subtree), then any container it leaves empty. Fails with
    /// BadArguments (the root), NoNode, BadVersion or NotEmpty.
    case delete(DeleteOp)
    /// Applies all operations in order, or none of them; a failure names its op's index.
    case multi([Op])
    /// Opens a session; the id is chosen at random by the proposer and must be new
    /// (else BadArguments, as is a ttl that is not positive).
    case openSession(id: SessionID, ttlMs: Int64)
    /// Closes a session and deletes its ephemeral nodes in this entry; SessionExpired when
    /// the session is not open.
    case closeSession(SessionID)
    /// Expires sessions chosen by the leader, deleting their ephemeral nodes; unknown ids are skipped.
    case expireSessions([SessionID])
    /// Deletes the listed TTL nodes that are still expired at the entry's time; others are skipped.
    case expireTTLNodes([ZNodePath])
    /// A leader's empty entry; changes nothing but `lastApplied`.
    case noop
}

/// One committed log entry as the tree sees it.
public struct Entry: Equatable, Sendable {
    /// The log index of the entry; it stamps every change the entry makes.
    public var zxid: Zxid
    /// The leader's clock when it proposed the entry, in ms since the Unix epoch.
    ///
    /// All times in the tree come from here, never from a local clock.
    public var timeMs: Int64
    /// A client's key making a retried write apply once; nil when the client gave none.
    public var idempotencyKey: String?
    /// What to do.
    public var command: Command

    /// An entry from its parts.
    public init(zxid: Zxid, timeMs: Int64, idempotencyKey: String? = nil, command: Command) {
        self.zxid = zxid
        self.timeMs = timeMs
        self.idempotencyKey = idempotencyKey
        self.command = command
    }
}
