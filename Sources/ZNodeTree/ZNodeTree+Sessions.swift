extension ZNodeTree {
    /// Opens session `id`; fails with BadArguments when it is already open or `ttlMs <= 0`.
    mutating func openSession(_ id: SessionID, ttlMs: Int64) -> ApplyResult {
        guard ttlMs > 0 else {
            return .failed(ZNodeError(code: .badArguments, message: "session ttl must be greater than 0, got \(ttlMs)"))
        }
        guard sessionTable[id] == nil else {
            return .failed(ZNodeError(code: .badArguments, message: "session \(id) is already open"))
        }
        sessionTable[id] = SessionRecord(ttlMs: ttlMs, ephemerals: [])
        return .sessionOpened(id, ttlMs: ttlMs)
    }

    /// Closes session `id` and deletes its ephemeral nodes (sorted, each with its events,
    /// then emptied containers); fails with SessionExpired when it is not open.
    mutating func closeSession(_ id: SessionID, _ context: inout ApplyContext) -> ApplyResult {
        guard sessionTable[id] != nil else {
            return .failed(ZNodeError(code: .sessionExpired, message: "session \(id) is not open"))
        }
        return .sessionClosed(endSession(id, &context))
    }

    /// Ends each open session of `ids` (in id order) as `closeSession` does; unknown ids are
    /// skipped, since another entry may have closed them first.
    mutating func expireSessions(_ ids: [SessionID], _ context: inout ApplyContext) -> ApplyResult {
        var expired: [SessionID] = []
        for id in Set(ids).sorted() where sessionTable[id] != nil {
            _ = endSession(id, &context)
            expired.append(id)
        }
        return .sessionsExpired(expired)
    }

    /// Deletes each listed node that is, at the entry's time, a childless `ttl` node
    /// unchanged for its TTL; others are skipped. Deepest first, so a TTL parent whose TTL
    /// children all go in this entry goes too. Returns the removed TTL nodes, sorted.
    mutating func expireTTLNodes(_ paths: [ZNodePath], _ context: inout ApplyContext) -> ApplyResult {
        let ordered = Set(paths)
            .map { (depth: $0.depth, path: $0) }
            .sorted { $0.depth != $1.depth ? $0.depth > $1.depth : $0.path < $1.path }
        var expired: [ZNodePath] = []
        for (_, path) in ordered {
            guard let node = nodes[path], let parent = path.parent,
                ZNodeTree.isExpiredTTL(node, asOfMs: context.timeMs)
            else { continue }
            removeLeaf(path, parentEvent: true, &context)
            removeEmptyContainers(from: parent, &context)
            expired.append(path)
        }
        return .ttlNodesExpired(expired.sorted())
    }

    /// Removes session `id` and its ephemerals; returns their paths, sorted.
    private mutating func endSession(_ id: SessionID, _ context: inout ApplyContext) -> [ZNodePath] {
        guard let record = sessionTable[id] else { preconditionFailure("ending unknown session \(id)") }
        let ephemerals = record.ephemerals.sorted()
        for path in ephemerals {
            guard let parent = path.parent else { preconditionFailure("ephemeral root") }
            removeLeaf(path, parentEvent: true, &context)
            removeEmptyContainers(from: parent, &context)
        }
        sessionTable[id] = nil
        return ephemerals
    }
}
