extension ZNodeTree {
    /// The head of the queue kept as the children of `directory`: the child created first
    /// (lowest czxid; among children created by one entry, the lowest name by bytes), with
    /// its name and stat; nil when `directory` does not exist or has no children.
    ///
    /// Why czxid: lock and election contenders are sequential children, created one per
    /// entry, so creation order is sequence order, and the head's czxid is the fencing
    /// token of its grant. Every later head was created by a later entry, so tokens of
    /// successive grants strictly increase, also after the directory (a container) was
    /// removed and made again. The fence op and the HTTP layer use this one rule.
    ///
    /// Cost: O(children of `directory`).
    public func queueHead(of directory: ZNodePath) -> (name: String, stat: Stat)? {
        guard let parent = nodes[directory] else { return nil }
        var best: (name: ByteString, stat: Stat)?
        for name in parent.children {
            guard let child = nodes[directory.appending(name.string)] else {
                preconditionFailure("child \(name.string) of \(directory) is not in the tree")
            }
            if let current = best,
                current.stat.czxid < child.stat.czxid || (current.stat.czxid == child.stat.czxid && current.name < name)
            {
                continue
            }
            best = (name, child.stat)
        }
        return best.map { ($0.name.string, $0.stat) }
    }

    /// Checks a fence op: the head of `op.directory` must have czxid `op.token`.
    ///
    /// Fails with FenceMismatch (path: the directory) naming the current token, or saying
    /// that the queue has no holder.
    func fence(_ op: FenceOp) -> Result<Void, ZNodeError> {
        guard let head = queueHead(of: op.directory) else {
            return .failure(ZNodeError(
                code: .fenceMismatch, path: op.directory,
                message: "fencing token \(op.token) is stale: \(op.directory) has no holder"))
        }
        guard head.stat.czxid == op.token else {
            return .failure(ZNodeError(
                code: .fenceMismatch, path: op.directory,
                message: "fencing token \(op.token) is not the current one; the holder \(head.name) has token \(head.stat.czxid)"))
        }
        return .success(())
    }
}
