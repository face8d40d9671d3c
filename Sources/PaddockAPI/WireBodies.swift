import ZNodeTree

// The JSON bodies of the API as Codable values, for clients (requests they send,
// responses they read). The server writes responses by hand with `JSONWriter` for speed;
// a test decodes the server's output with these types, so the two cannot drift apart.

/// `GET /v1/nodes/{path}` → a node's data and stat.
public struct NodeBody: Codable, Sendable, Equatable {
    /// The node's path.
    public var path: String
    /// The data, in `encoding`.
    public var data: String
    /// How `data` is encoded: `utf8` or `base64` (base64 when the bytes are not UTF-8).
    public var encoding: DataEncoding
    /// The node's stat.
    public var stat: WireStat

    /// The data bytes; nil when `data` is not valid under `encoding`.
    public var bytes: [UInt8]? { encoding.decode(data) }
}

/// `GET /v1/nodes/{path}?children` → the sorted child names; with `&stat` also each
/// child's stat by name and the parent's stat.
public struct ChildrenBody: Codable, Sendable, Equatable {
    /// The parent's path.
    public var path: String
    /// The child names, sorted.
    public var children: [String]
    /// With `&stat`: each child's stat, by name.
    public var stats: [String: WireStat]?
    /// With `&stat`: the parent's stat.
    public var stat: WireStat?
}

/// Create (201) and set (200) answers: the node's path (with a sequential suffix) and stat.
public struct WrittenNodeBody: Codable, Sendable, Equatable {
    /// The created or changed path.
    public var path: String
    /// The stat after the write.
    public var stat: WireStat
}

/// `DELETE /v1/nodes/{path}` → the deleted paths (a recursive delete lists all).
public struct DeletedBody: Codable, Sendable, Equatable {
    /// The paths removed, deepest first for a recursive delete.
    public var deleted: [String]
}

/// `POST /v1/nodes/{path}` request body.
public struct CreateNodeRequest: Codable, Sendable, Equatable {
    /// The data (default empty).
    public var data: String?
    /// How `data` is encoded (default `utf8`).
    public var encoding: DataEncoding?
    /// The node kind (default `persistent`): `persistent`, `ephemeral`, `sequential`,
    /// `ephemeral_sequential`, `container`, `ttl`.
    public var kind: String?
    /// The owning session of an ephemeral node.
    public var session: WireSessionID?
    /// The TTL of a `ttl` node, in ms (the server also takes strings such as `"10s"`).
    public var ttl: Int64?
    /// Creates missing parents as persistent nodes.
    public var parents: Bool?

    /// A create request; every field is optional.
    public init(
        data: String? = nil, encoding: DataEncoding? = nil, kind: String? = nil, session: WireSessionID? = nil,
        ttl: Int64? = nil, parents: Bool? = nil
    ) {
        self.data = data
        self.encoding = encoding
        self.kind = kind
        self.session = session
        self.ttl = ttl
        self.parents = parents
    }
}

/// `PUT /v1/nodes/{path}` request body (the version may also be given as `?version=N`).
public struct SetDataRequest: Codable, Sendable, Equatable {
    /// The new data.
    public var data: String
    /// How `data` is encoded (default `utf8`).
    public var encoding: DataEncoding?
    /// The expected version; the set fails with `BadVersion` when it differs.
    public var version: Int64?

    /// A set request.
    public init(data: String, encoding: DataEncoding? = nil, version: Int64? = nil) {
        self.data = data
        self.encoding = encoding
        self.version = version
    }
}

/// `POST /v1/txn` request body.
public struct TxnRequest: Codable, Sendable, Equatable {
    /// One operation: `op` is `check`, `create`, `set` or `delete`; the other fields are
    /// those of the single-node request of the same kind.
    public struct Op: Codable, Sendable, Equatable {
        /// `check`, `create`, `set` or `delete`.
        public var op: String
        /// The znode path.
        public var path: String
        /// The data (create, set).
        public var data: String?
        /// How `data` is encoded (default `utf8`).
        public var encoding: DataEncoding?
        /// The node kind (create).
        public var kind: String?
        /// The owning session (create of an ephemeral).
        public var session: WireSessionID?
        /// The TTL in ms (create of a `ttl` node).
        public var ttl: Int64?
        /// Creates missing parents (create).
        public var parents: Bool?
        /// The expected version (check, set, delete).
        public var version: Int64?
        /// Deletes the whole subtree (delete).
        public var recursive: Bool?

        /// An operation; only the fields its kind accepts may be set.
        public init(
            op: String, path: String, data: String? = nil, encoding: DataEncoding? = nil, kind: String? = nil,
            session: WireSessionID? = nil, ttl: Int64? = nil, parents: Bool? = nil, version: Int64? = nil,
            recursive: Bool? = nil
        ) {
            self.op = op
            self.path = path
            self.data = data
            self.encoding = encoding
            self.kind = kind
            self.session = session
            self.ttl = ttl
            self.parents = parents
            self.version = version
            self.recursive = recursive
        }
    }

    /// The operations, applied in order, all or nothing.
    public var ops: [Op]

    /// A transaction.
    public init(ops: [Op]) { self.ops = ops }
}

/// `POST /v1/txn` answer: one result per op, in order.
public struct TxnBody: Codable, Sendable, Equatable {
    /// One op's result: `path` for create and delete, `stat` for create and set.
    public struct Result: Codable, Sendable, Equatable {
        /// The op's kind, as sent.
        public var op: String
        /// The created (with its suffix) or deleted path.
        public var path: String?
        /// The stat after a create or set.
        public var stat: WireStat?
    }

    /// The results, one per op.
    public var results: [Result]
}

/// `POST /v1/sessions` request and answer: the TTL in ms (the server also takes `"10s"`).
public struct SessionBody: Codable, Sendable, Equatable {
    /// The session id (absent in requests).
    public var id: WireSessionID?
    /// The TTL in ms.
    public var ttl: Int64

    /// A session body.
    public init(id: WireSessionID? = nil, ttl: Int64) {
        self.id = id
        self.ttl = ttl
    }
}

/// `GET /v1/sessions/{id}` answer.
public struct SessionInfoBody: Codable, Sendable, Equatable {
    /// The session id.
    public var id: WireSessionID
    /// The TTL in ms.
    public var ttl: Int64
    /// The session's ephemeral nodes, sorted.
    public var ephemerals: [String]
}

/// `POST /v1/sessions/{id}/keepalive` answer.
public struct KeepAliveBody: Codable, Sendable, Equatable {
    /// The session id.
    public var id: WireSessionID
    /// Time left before the session expires without another keepalive, in ms.
    public var remaining: Int64
}

/// `DELETE /v1/sessions/{id}` answer.
public struct SessionClosedBody: Codable, Sendable, Equatable {
    /// The session id.
    public var id: WireSessionID
    /// The ephemeral nodes deleted with the session.
    public var deleted: [String]
}

/// `/healthz` and `/readyz` answer.
public struct HealthBody: Codable, Sendable, Equatable {
    /// `ok`.
    public var status: String
    /// The member's applied zxid.
    public var zxid: Zxid

    private enum Keys: String, CodingKey { case status, zxid }

    /// Decodes `{"status","zxid"}`.
    ///
    /// - Throws: `DecodingError` for a missing key or a wrong type.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        status = try container.decode(String.self, forKey: .status)
        zxid = Zxid(try container.decode(UInt64.self, forKey: .zxid))
    }

    /// Encodes `{"status","zxid"}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(status, forKey: .status)
        try container.encode(zxid.rawValue, forKey: .zxid)
    }
}
