import ZNodeTree

/// One lock's or election's queue: where it lives and how to read it from a tree.
///
/// Reads only; joining and waiting are in `QueueJoin` and `QueueWait`. The order of
/// `entries(in:)` is the rule of `ZNodeTree.queueHead(of:)` (czxid, then name), so the
/// first entry is always the one the `fence` op accepts.
struct RecipeQueue: Sendable {
    /// Lock or election.
    let kind: RecipeKind
    /// The queue's name.
    let name: RecipeName

    /// The queue's directory: `<kind.root>/<name>`.
    var directory: ZNodePath { kind.root.appending(name.rawValue) }

    /// The path of a new contender, before its sequence suffix.
    var contenderPrefix: ZNodePath { directory.appending(kind.keyPrefix) }

    /// The path of the contender `key`, or nil when `key` is not a contender's name
    /// (the prefix and then at least 10 digits).
    func path(ofKey key: some StringProtocol) -> ZNodePath? {
        guard key.hasPrefix(kind.keyPrefix) else { return nil }
        let digits = key.utf8.dropFirst(kind.keyPrefix.utf8.count)
        guard digits.count >= 10, digits.count <= 19, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return directory.appending(String(key))
    }

    /// The contenders in queue order (the head first); empty when the queue does not exist.
    ///
    /// Cost: O(n log n) in the number of children.
    func entries(in tree: ZNodeTree) -> [QueueEntry] {
        guard let names = tree.children(of: directory) else { return [] }
        var entries: [QueueEntry] = []
        entries.reserveCapacity(names.count)
        for name in names {
            let path = directory.appending(name)
            guard let node = tree.node(at: path) else {
                preconditionFailure("child \(name) of \(directory) is listed but not in the tree")
            }
            entries.append(QueueEntry(key: name, path: path, stat: node.stat, data: node.data))
        }
        // Names are sorted by bytes already; a stable sort by czxid keeps that order for ties.
        return entries.enumerated().sorted { lhs, rhs in
            lhs.element.token != rhs.element.token ? lhs.element.token < rhs.element.token : lhs.offset < rhs.offset
        }.map(\.element)
    }
}

/// One contender of a queue as read from the tree.
struct QueueEntry: Sendable, Equatable {
    /// The node's name, which the client uses to release or resign (`lock-0000000012`).
    var key: String
    /// The node's path.
    var path: ZNodePath
    /// The node's stat.
    var stat: Stat
    /// The node's data (an election candidate's value).
    var data: [UInt8]

    /// The fencing token of this contender's grant, once it is the head: its czxid.
    var token: Zxid { stat.czxid }

    /// The session that owns the node (nil only for a node not made by the recipes).
    var session: SessionID? { stat.ephemeralOwner }
}
