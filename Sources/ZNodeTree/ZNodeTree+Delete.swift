extension ZNodeTree {
    /// Replaces a node's data: version + 1, mzxid and mtime from the entry.
    ///
    /// Fails with NoNode, or BadVersion when `expectedVersion` differs. The root has no data
    /// limit here (the server enforces sizes before proposing). Event: `changed` with data.
    mutating func setData(_ op: SetDataOp, _ context: inout ApplyContext) -> Result<Stat, ZNodeError> {
        // One lookup: the checks and the change happen in the same access to the node.
        let outcome: Result<Stat, ZNodeError> = modify(&nodes[op.path]) { found in
            guard let version = found?.stat.version else {
                return .failure(ZNodeError(code: .noNode, path: op.path, message: "node does not exist"))
            }
            if let expected = op.expectedVersion, expected != version {
                return .failure(ZNodeTree.badVersion(op.path, expected: expected, actual: version))
            }
            return .success(modify(&found!) { node in
                node.data = op.data
                node.stat.version += 1
                node.stat.mzxid = context.zxid
                node.stat.mtimeMs = context.timeMs
                node.stat.dataLength = op.data.count
                return node.stat
            })
        }
        if case .success(let stat) = outcome {
            context.events.append(WatchEvent(zxid: context.zxid, type: .changed, path: op.path, stat: stat, data: op.data))
        }
        return outcome
    }

    /// Checks that a node exists and, when asked, has `expectedVersion`; changes nothing.
    func check(_ op: CheckOp) -> Result<Void, ZNodeError> {
        guard let node = nodes[op.path] else {
            return .failure(ZNodeError(code: .noNode, path: op.path, message: "node does not exist"))
        }
        if let expected = op.expectedVersion, expected != node.stat.version {
            return .failure(ZNodeTree.badVersion(op.path, expected: expected, actual: node.stat.version))
        }
        return .success(())
    }

    /// Deletes a node, or with `recursive` its whole subtree, deepest first.
    ///
    /// Fails with BadArguments for the root, NoNode, BadVersion (top node only), or
    /// NotEmpty when the node has children and the delete is not recursive.
    ///
    /// Events: for each removed node `deleted` (with its last stat); `childrenChanged` only
    /// for parents that remain. Then empty containers are removed eagerly, in this same
    /// entry (ZooKeeper removes them later, from a background check): the parent of a
    /// removed node that is a container left with no children — it had at least one,
    /// since one was just removed — is removed too, and so on upward. Inside a multi this
    /// happens after each op, so a later op in the same multi no longer sees the container
    /// (create children with `createParents` to re-create it).
    mutating func delete(_ op: DeleteOp, _ context: inout ApplyContext) -> Result<Void, ZNodeError> {
        guard let parentPath = op.path.parent else {
            return .failure(ZNodeError(code: .badArguments, path: op.path, message: "the root cannot be deleted"))
        }
        guard let node = nodes[op.path] else {
            return .failure(ZNodeError(code: .noNode, path: op.path, message: "node does not exist"))
        }
        if let expected = op.expectedVersion, expected != node.stat.version {
            return .failure(ZNodeTree.badVersion(op.path, expected: expected, actual: node.stat.version))
        }
        if !node.children.isEmpty && !op.recursive {
            return .failure(ZNodeError(
                code: .notEmpty, path: op.path, message: "node has children (\(node.children.count)); delete them first or delete recursively"))
        }
        if node.children.isEmpty {
            removeLeaf(op.path, parentEvent: true, &context)  // the common case: no subtree walk
        } else {
            for path in subtreeDeepestFirst(op.path) {
                removeLeaf(path, parentEvent: path == op.path, &context)
            }
        }
        removeEmptyContainers(from: parentPath, &context)
        return .success(())
    }

    /// `path` and all nodes below it, deepest first, each depth sorted by path.
    private func subtreeDeepestFirst(_ path: ZNodePath) -> [ZNodePath] {
        var found: [ZNodePath] = []
        var pending: [ZNodePath] = [path]
        while let next = pending.popLast() {
            found.append(next)
            guard let node = nodes[next] else { preconditionFailure("child \(next) listed but missing") }
            for child in node.children {
                pending.append(next.appending(child.string))
            }
        }
        return found
            .map { (depth: $0.depth, path: $0) }
            .sorted { $0.depth != $1.depth ? $0.depth > $1.depth : $0.path < $1.path }
            .map(\.path)
    }

    /// Removes the childless node at `path` from the tree, its parent, its session and the
    /// TTL index; records `deleted`, and `childrenChanged` for the parent when asked.
    mutating func removeLeaf(_ path: ZNodePath, parentEvent: Bool, _ context: inout ApplyContext) {
        guard let parentPath = path.parent else { preconditionFailure("removing the root") }
        guard let node = nodes.removeValue(forKey: path) else { preconditionFailure("removing missing \(path)") }
        precondition(node.children.isEmpty, "removing \(path) with \(node.children.count) children")
        let parentStat = updateParent(parentPath, context.zxid) { parent in
            let name = ByteString(string: path.name)
            precondition(parent.children.remove(name) != nil, "\(path) not listed by its parent")
        }
        if let owner = node.stat.ephemeralOwner {
            precondition(
                sessionTable[owner]?.ephemerals.remove(path) != nil,
                "ephemeral \(path) not listed by session \(owner)")
        }
        if node.stat.kind == .ttl {
            precondition(ttlIndex.remove(path) != nil, "ttl node \(path) missing from the index")
        }
        context.removed.append(path)
        context.events.append(WatchEvent(zxid: context.zxid, type: .deleted, path: path, stat: node.stat, data: nil))
        if parentEvent {
            context.events.append(WatchEvent(
                zxid: context.zxid, type: .childrenChanged, path: parentPath, stat: parentStat, data: nil))
        }
    }

    /// Removes `path` if it is an empty container that has had a child, then its parent
    /// likewise, upward (see `delete`).
    mutating func removeEmptyContainers(from path: ZNodePath, _ context: inout ApplyContext) {
        var current = path
        while let node = nodes[current], node.stat.kind == .container, node.children.isEmpty,
            node.stat.cversion > 0, let parent = current.parent
        {
            removeLeaf(current, parentEvent: true, &context)
            current = parent
        }
    }

    /// A BadVersion error for `path`.
    private static func badVersion(_ path: ZNodePath, expected: Int64, actual: Int64) -> ZNodeError {
        ZNodeError(code: .badVersion, path: path, message: "expected version \(expected), node has version \(actual)")
    }
}
