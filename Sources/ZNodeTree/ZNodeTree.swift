import HashTreeCollections

/// The replicated state machine: the znode tree, sessions and the idempotency table.
///
/// `ZNodeTree` is a value built from persistent (hash-array-mapped trie) collections, so a
/// copy costs O(1) and is a consistent snapshot: a member can serialize a copy while it
/// goes on applying entries to the original. It is deterministic: its only inputs are
/// the entries applied, in log order, and all times come from the entries.
///
/// Invariants (checked when a snapshot is restored):
/// - the root `/` exists and every other node's parent exists and lists it as a child;
/// - ephemeral nodes have no children and belong to an open session that lists them;
/// - `ttlIndex` holds exactly the nodes of kind `ttl`;
/// - every stored zxid is at most `lastApplied`.
public struct ZNodeTree: Sendable {
    /// The limits the tree enforces itself; part of the replicated state and the snapshot.
    public struct Limits: Equatable, Sendable {
        /// How long an idempotency key is remembered, measured against the newest entry
        /// time seen (10 minutes by default).
        public var idempotencyRetentionMs: Int64
        /// How many idempotency keys are remembered at most (100,000 by default); the
        /// oldest are forgotten first.
        public var idempotencyKeysMax: Int
        /// The longest path in UTF-8 bytes a create may produce, counting a sequential
        /// suffix (`pathBytesCeiling` by default). Longer → InvalidPath.
        ///
        /// Why not the member's configurable path limit: the tree applies entries again
        /// at every restart, so what it accepts must not depend on today's flags. Members
        /// enforce their configurable (smaller) limit before proposing.
        public var pathBytesMax: Int

        /// The fixed hard maximum of a path, in UTF-8 bytes (4,096): the tree's default
        /// `pathBytesMax`, and the most a member's configurable path limit may be.
        public static let pathBytesCeiling = 4_096

        /// Limits with the documented defaults unless given.
        public init(
            idempotencyRetentionMs: Int64 = 600_000, idempotencyKeysMax: Int = 100_000,
            pathBytesMax: Int = Limits.pathBytesCeiling
        ) {
            precondition(idempotencyRetentionMs >= 0, "idempotencyRetentionMs \(idempotencyRetentionMs) < 0")
            precondition(idempotencyKeysMax >= 0, "idempotencyKeysMax \(idempotencyKeysMax) < 0")
            precondition(pathBytesMax >= 1, "pathBytesMax \(pathBytesMax) < 1")
            self.idempotencyRetentionMs = idempotencyRetentionMs
            self.idempotencyKeysMax = idempotencyKeysMax
            self.pathBytesMax = pathBytesMax
        }
    }

    /// The limits this tree enforces.
    public let limits: Limits
    /// The zxid of the last entry applied; `zero` before any.
    ///
    /// Invariant: only grows, by `apply(_:)`.
    public internal(set) var lastApplied: Zxid
    /// Every node by path.
    var nodes: TreeDictionary<ZNodePath, Node>
    /// Open sessions by id.
    var sessionTable: TreeDictionary<SessionID, SessionRecord>
    /// The paths of all `ttl` nodes, so that finding expired ones scans only them.
    var ttlIndex: TreeSet<ZNodePath>
    /// Results of writes that carried an idempotency key.
    var idempotency: IdempotencyTable

    /// A tree holding only the root `/` (czxid 0, time 0).
    public init(limits: Limits = Limits()) {
        self.limits = limits
        self.lastApplied = .zero
        self.nodes = [.root: Node(data: [], kind: .persistent, owner: nil, ttlMs: nil, zxid: .zero, timeMs: 0)]
        self.sessionTable = [:]
        self.ttlIndex = []
        self.idempotency = IdempotencyTable()
    }

    // MARK: Reads

    /// The data and stat of the node at `path`; nil when there is none.
    public func node(at path: ZNodePath) -> (data: [UInt8], stat: Stat)? {
        guard let node = nodes[path] else { return nil }
        return (node.data, node.stat)
    }

    /// The stat of the node at `path`; nil when there is none.
    public func stat(at path: ZNodePath) -> Stat? {
        nodes[path]?.stat
    }

    /// The names of the children of `path`, sorted by their UTF-8 bytes; nil when the node
    /// does not exist.
    public func children(of path: ZNodePath) -> [String]? {
        guard let node = nodes[path] else { return nil }
        return node.children.sorted().map(\.string)
    }

    /// The number of nodes, counting the root.
    public var nodeCount: Int { nodes.count }

    /// The largest `timeMs` of any entry applied (`Int64.min` before any), kept in the
    /// snapshot. A member stamps new entries no earlier than this, so entry times never
    /// go backwards across a restart even when the wall clock did.
    public var newestEntryTimeMs: Int64 { idempotency.newestTimeMs }

    // MARK: Sessions

    /// The open session `id`; nil when unknown (never opened, closed or expired).
    public func session(_ id: SessionID) -> SessionInfo? {
        guard let record = sessionTable[id] else { return nil }
        return SessionInfo(id: id, ttlMs: record.ttlMs, ephemerals: record.ephemerals.sorted())
    }

    /// All open sessions, sorted by id.
    public var sessions: [SessionInfo] {
        sessionTable.keys.sorted().map { id in
            let record = sessionTable[id]!
            return SessionInfo(id: id, ttlMs: record.ttlMs, ephemerals: record.ephemerals.sorted())
        }
    }

    /// The number of open sessions.
    public var sessionCount: Int { sessionTable.count }

    // MARK: TTL

    /// The `ttl` nodes with no children whose `mtimeMs + ttlMs <= asOfMs`, sorted.
    ///
    /// For the leader to propose in an `expireTTLNodes` entry, which re-checks each one at
    /// the entry's time. Scans only the `ttl` nodes (kept in an index), not the whole tree.
    public func expiredTTLNodes(asOfMs: Int64) -> [ZNodePath] {
        var expired: [ZNodePath] = []
        for path in ttlIndex {
            if let node = nodes[path], ZNodeTree.isExpiredTTL(node, asOfMs: asOfMs) {
                expired.append(path)
            }
        }
        return expired.sorted()
    }

    /// Whether `node` is a childless `ttl` node unchanged for its TTL at `asOfMs`.
    static func isExpiredTTL(_ node: Node, asOfMs: Int64) -> Bool {
        guard node.stat.kind == .ttl, node.children.isEmpty, let ttlMs = node.stat.ttlMs else { return false }
        let (deadline, overflow) = node.stat.mtimeMs.addingReportingOverflow(ttlMs)
        return !overflow && deadline <= asOfMs
    }

    // MARK: Idempotency

    /// The zxid and result of the entry that first carried `key`, while it is remembered.
    public func idempotentResult(forKey key: String) -> (zxid: Zxid, result: ApplyResult)? {
        guard let record = idempotency.record(forKey: key) else { return nil }
        return (record.zxid, record.result)
    }
}
