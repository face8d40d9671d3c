import HashTreeCollections

/// A string that compares, hashes and sorts by its UTF-8 bytes.
///
/// Swift's `String` equality uses Unicode canonical equivalence; child names and
/// idempotency keys must instead match `ZNodePath`, which compares bytes, so that two
/// byte-different names are always two different nodes.
struct ByteString: Hashable, Comparable, Sendable {
    /// The text.
    var string: String

    static func == (lhs: ByteString, rhs: ByteString) -> Bool {
        UTF8Bytes.equal(lhs.string, rhs.string)
    }

    func hash(into hasher: inout Hasher) {
        UTF8Bytes.hash(string, into: &hasher)
    }

    static func < (lhs: ByteString, rhs: ByteString) -> Bool {
        UTF8Bytes.precedes(lhs.string, rhs.string)
    }
}

/// One znode as stored in the tree.
///
/// Invariants: `stat.numChildren == children.count`, `stat.dataLength == data.count`,
/// and `sequenceNext` only grows while the node exists.
struct Node: Sendable {
    /// The node's data.
    var data: [UInt8]
    /// The node's stat, kept current on every change.
    var stat: Stat
    /// The names of the children (a persistent set: copying the tree shares it).
    var children: TreeSet<ByteString>
    /// The counter for the next sequential child's suffix; never reused after deletes.
    var sequenceNext: Int64

    /// A new node with no children, created by the entry `zxid` at `timeMs`.
    init(data: [UInt8], kind: NodeKind, owner: SessionID?, ttlMs: Int64?, zxid: Zxid, timeMs: Int64) {
        self.data = data
        self.stat = Stat(
            czxid: zxid, mzxid: zxid, pzxid: zxid, ctimeMs: timeMs, mtimeMs: timeMs,
            version: 0, cversion: 0, ephemeralOwner: owner, dataLength: data.count,
            numChildren: 0, kind: kind, ttlMs: ttlMs)
        self.children = []
        self.sequenceNext = 0
    }
}

/// A session as stored in the tree.
struct SessionRecord: Sendable {
    /// The time-to-live asked for at open, in ms.
    var ttlMs: Int64
    /// The paths of the session's ephemeral nodes.
    var ephemerals: TreeSet<ZNodePath>
}
