extension ZNodeTree {
    /// Creates a node, checking everything before changing anything.
    ///
    /// Rules, in the order they are checked (ZooKeeper's, with Paddock's choices noted):
    /// 1. `ttl` needs `ttlMs > 0`; other kinds must have no `ttlMs` → BadArguments.
    /// 2. Ephemeral kinds need a session (none given → BadArguments) that is open
    ///    (→ SessionExpired); other kinds must have no session → BadArguments.
    /// 3. Creating `/` → NodeExists (sequential at `/` → BadArguments).
    /// 4. The parent must exist → NoNode, unless `createParents`, which creates each
    ///    missing ancestor as an empty persistent node (each with its events).
    /// 5. Sequential kinds append the parent's counter as 10 zero-padded digits; the
    ///    counter only grows, so a suffix never repeats even after deletes. A path longer
    ///    than `limits.pathBytesMax` → InvalidPath.
    /// 6. A node already at the final path → NodeExists.
    /// 7. An ephemeral parent (or nearest existing ancestor) → NoChildrenForEphemerals.
    ///
    /// Events: `created` for the node (with data), then `childrenChanged` for its parent.
    mutating func create(
        _ op: CreateOp, _ context: inout ApplyContext
    ) -> Result<(path: ZNodePath, stat: Stat), ZNodeError> {
        let path = op.path
        if let problem = argumentProblem(op) {
            return .failure(ZNodeError(code: problem.code, path: path, message: problem.message))
        }
        guard let parentPath = path.parent else {
            if op.kind.isSequential {
                return .failure(ZNodeError(code: .badArguments, path: path, message: "a sequential node needs a name prefix below /"))
            }
            return .failure(ZNodeError(code: .nodeExists, path: path, message: "the root always exists"))
        }
        // Ancestors to create, nearest first; the root always exists, so this ends. Only the
        // ancestor's fields are kept, not a copy of it: a copy would share its children set
        // and make the insertion below copy that set's trie path.
        var missing: [ZNodePath] = []
        var existing = parentPath
        var ancestor: (sequenceNext: Int64, isEphemeral: Bool)? = nodes[existing].map {
            ($0.sequenceNext, $0.stat.kind.isEphemeral)
        }
        while ancestor == nil {
            guard op.createParents else {
                return .failure(ZNodeError(code: .noNode, path: parentPath, message: "parent node does not exist"))
            }
            missing.append(existing)
            guard let up = existing.parent else { preconditionFailure("root missing from the tree") }
            existing = up
            ancestor = nodes[existing].map { ($0.sequenceNext, $0.stat.kind.isEphemeral) }
        }
        guard let ancestor else { preconditionFailure("ancestor \(existing) vanished") }
        var finalPath = path
        if op.kind.isSequential {
            let counter = missing.isEmpty ? ancestor.sequenceNext : 0
            finalPath = ZNodePath(unchecked: path.string + ZNodeTree.sequenceSuffix(counter))
        }
        let length = finalPath.string.utf8.count
        if length > limits.pathBytesMax {
            return .failure(ZNodeError(
                code: .invalidPath, path: path,
                message: "the created path would be \(length) bytes long, longer than the limit of \(limits.pathBytesMax)"))
        }
        if missing.isEmpty, nodes[finalPath] != nil {
            return .failure(ZNodeError(code: .nodeExists, path: finalPath, message: "node already exists"))
        }
        if ancestor.isEphemeral {
            return .failure(ZNodeError(
                code: .noChildrenForEphemerals, path: existing, message: "ephemeral nodes cannot have children"))
        }
        for ancestorPath in missing.reversed() {
            let node = Node(data: [], kind: .persistent, owner: nil, ttlMs: nil, zxid: context.zxid, timeMs: context.timeMs)
            insert(node, at: ancestorPath, sequential: false, &context)
        }
        let node = Node(
            data: op.data, kind: op.kind, owner: op.session, ttlMs: op.ttlMs,
            zxid: context.zxid, timeMs: context.timeMs)
        insert(node, at: finalPath, sequential: op.kind.isSequential, &context)
        return .success((finalPath, node.stat))
    }

    /// The rule among 1–2 of `create` that `op` breaks, if any.
    private func argumentProblem(_ op: CreateOp) -> (code: ErrorCode, message: String)? {
        if op.kind == .ttl {
            guard let ttlMs = op.ttlMs, ttlMs > 0 else {
                return (.badArguments, "a ttl node needs a ttl greater than 0")
            }
        } else if op.ttlMs != nil {
            return (.badArguments, "only ttl nodes take a ttl")
        }
        if op.kind.isEphemeral {
            guard let session = op.session else {
                return (.badArguments, "an ephemeral node needs a session")
            }
            if sessionTable[session] == nil {
                return (.sessionExpired, "session \(session) is not open")
            }
        } else if op.session != nil {
            return (.badArguments, "only ephemeral nodes take a session")
        }
        return nil
    }

    /// The suffix of a sequential node: the counter as at least 10 zero-padded digits.
    static func sequenceSuffix(_ counter: Int64) -> String {
        precondition(counter >= 0, "negative sequence counter \(counter)")
        let digits = String(counter)
        return String(repeating: "0", count: max(0, 10 - digits.utf8.count)) + digits
    }

    /// Adds `node` at `path` below its existing parent and records the events.
    ///
    /// Precondition: the parent exists and `path` does not.
    private mutating func insert(_ node: Node, at path: ZNodePath, sequential: Bool, _ context: inout ApplyContext) {
        guard let parentPath = path.parent else { preconditionFailure("inserting the root") }
        precondition(nodes.updateValue(node, forKey: path) == nil, "inserting \(path) over an existing node")
        let parentStat = updateParent(parentPath, context.zxid) { parent in
            parent.children.insert(ByteString(string: path.name))
            if sequential { parent.sequenceNext += 1 }
        }
        if let owner = node.stat.ephemeralOwner {
            guard sessionTable[owner] != nil else { preconditionFailure("ephemeral \(path) for unknown session \(owner)") }
            sessionTable[owner]!.ephemerals.insert(path)
        }
        if node.stat.kind == .ttl { ttlIndex.insert(path) }
        context.events.append(WatchEvent(zxid: context.zxid, type: .created, path: path, stat: node.stat, data: node.data))
        context.events.append(WatchEvent(zxid: context.zxid, type: .childrenChanged, path: parentPath, stat: parentStat, data: nil))
    }

    /// Changes the children of the node at `path` in place and updates its stat for a
    /// child creation or deletion by `zxid` (cversion + 1, pzxid, numChildren); returns the stat.
    ///
    /// Precondition: the node exists.
    mutating func updateParent(_ path: ZNodePath, _ zxid: Zxid, _ change: (inout Node) -> Void) -> Stat {
        modify(&nodes[path]) { found in
            guard found != nil else { preconditionFailure("parent \(path) missing") }
            return modify(&found!) { parent in
                change(&parent)
                parent.stat.cversion += 1
                parent.stat.pzxid = zxid
                parent.stat.numChildren = parent.children.count
                return parent.stat
            }
        }
    }
}

/// Runs `body` on `value` in place (one exclusive access) and returns its result.
func modify<Value, Output>(_ value: inout Value, _ body: (inout Value) -> Output) -> Output {
    body(&value)
}
