import PaddockAPI
import ZNodeTree

extension Client {
    /// Reads a node's data and stat.
    ///
    /// - Throws: `PaddockError` (`.noNode` when it does not exist, `.invalidPath`, ...).
    public func get(_ path: String, consistency: Consistency = .linearizable) async throws(PaddockError) -> NodeData {
        var query = ["encoding=base64"]
        if consistency == .serializable { query.append("consistency=serializable") }
        let answer = try await transport.perform(Call(.GET, try Self.target("nodes", path, query: query), isWrite: false))
        let body = try Self.decode(NodeBody.self, answer)
        guard let bytes = body.bytes else {
            throw PaddockError(.invalidResponse, "the data of \(path) is not valid \(body.encoding.rawValue)", path: path)
        }
        return NodeData(path: body.path, data: bytes, stat: body.stat.stat, zxid: try Self.requireZxid(answer))
    }

    /// Whether a node exists: its stat, or nil when it does not.
    ///
    /// - Throws: `PaddockError` for anything but `.noNode`.
    public func exists(_ path: String, consistency: Consistency = .linearizable) async throws(PaddockError) -> Stat? {
        do throws(PaddockError) {
            return try await get(path, consistency: consistency).stat
        } catch where error.code == .noNode {
            return nil
        }
    }

    /// Lists a node's children (sorted), with each child's stat when `stats` is true.
    ///
    /// - Throws: `PaddockError` (`.noNode`, `.tooLarge` past the server's listing limit).
    public func children(_ path: String, stats: Bool = false, consistency: Consistency = .linearizable)
        async throws(PaddockError) -> ChildrenList
    {
        var query = ["children"]
        if stats { query.append("stat") }
        if consistency == .serializable { query.append("consistency=serializable") }
        let answer = try await transport.perform(Call(.GET, try Self.target("nodes", path, query: query), isWrite: false))
        let body = try Self.decode(ChildrenBody.self, answer)
        return ChildrenList(
            path: body.path, names: body.children, stats: body.stats?.mapValues(\.stat), stat: body.stat?.stat,
            zxid: try Self.requireZxid(answer))
    }

    /// Creates a node.
    ///
    /// - Parameters:
    ///   - kind: `persistent` (default), `ephemeral` and `ephemeralSequential` (need
    ///     `session`), `sequential`, `container`, `ttl` (needs `ttlMs`).
    ///   - parents: creates missing parents as persistent nodes.
    /// - Returns: the created path (with the sequential suffix) and its stat.
    /// - Throws: `PaddockError` (`.nodeExists`, `.noNode` for a missing parent,
    ///   `.sessionExpired`, `.badArguments`, ...).
    @discardableResult
    public func create(
        _ path: String, data: [UInt8] = [], kind: NodeKind = .persistent, ttlMs: Int64? = nil, parents: Bool = false,
        session: SessionID? = nil
    ) async throws(PaddockError) -> WriteResult {
        let (text, encoding) = WireData.encode(data)
        let request = CreateNodeRequest(
            data: data.isEmpty ? nil : text, encoding: data.isEmpty ? nil : encoding,
            kind: kind == .persistent ? nil : kind.rawValue, session: session.map(WireSessionID.init), ttl: ttlMs,
            parents: parents ? true : nil)
        let call = Call(.POST, try Self.target("nodes", path), body: try Self.json(request), isWrite: true)
        return try await written(call)
    }

    /// Sets a node's data; with `version`, only when the node's version equals it.
    ///
    /// - Throws: `PaddockError` (`.noNode`, `.badVersion`, `.tooLarge`, ...).
    @discardableResult
    public func set(_ path: String, data: [UInt8], version: Int64? = nil) async throws(PaddockError) -> WriteResult {
        let (text, encoding) = WireData.encode(data)
        let request = SetDataRequest(data: text, encoding: encoding, version: version)
        let call = Call(.PUT, try Self.target("nodes", path), body: try Self.json(request), isWrite: true)
        return try await written(call)
    }

    /// Deletes a node; with `version` only at that version; with `recursive` its subtree.
    ///
    /// - Throws: `PaddockError` (`.noNode`, `.badVersion`, `.notEmpty`, ...).
    @discardableResult
    public func delete(_ path: String, version: Int64? = nil, recursive: Bool = false) async throws(PaddockError)
        -> DeleteResult
    {
        var query: [String] = []
        if let version { query.append("version=\(version)") }
        if recursive { query.append("recursive") }
        let answer = try await transport.perform(Call(.DELETE, try Self.target("nodes", path, query: query), isWrite: true))
        let body = try Self.decode(DeletedBody.self, answer)
        return DeleteResult(deleted: body.deleted, zxid: try Self.requireZxid(answer))
    }

    /// Applies `ops` atomically, in order: all or none.
    ///
    /// - Throws: `PaddockError` of the failing operation, whose index is `opIndex`.
    @discardableResult
    public func txn(_ ops: [TxnOp]) async throws(PaddockError) -> TxnResult {
        let body = try Self.json(TxnRequest(ops: ops.map(\.wire)))
        let answer = try await transport.perform(Call(.POST, "/v1/txn", body: body, isWrite: true))
        let decoded = try Self.decode(TxnBody.self, answer)
        return TxnResult(
            results: decoded.results.map { TxnOpResult(op: $0.op, path: $0.path, stat: $0.stat?.stat) },
            zxid: try Self.requireZxid(answer))
    }

    private func written(_ call: Call) async throws(PaddockError) -> WriteResult {
        let answer = try await transport.perform(call)
        let body = try Self.decode(WrittenNodeBody.self, answer)
        return WriteResult(path: body.path, stat: body.stat.stat, zxid: try Self.requireZxid(answer))
    }
}
