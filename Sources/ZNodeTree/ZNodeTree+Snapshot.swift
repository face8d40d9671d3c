import HashTreeCollections

// The snapshot format, version 1 (all lists sorted, so equal trees give equal bytes):
//
//   magic "PDKS" · version: byte (1)
//   limits: idempotencyRetentionMs signed · idempotencyKeysMax · pathBytesMax
//   lastApplied: zxid
//   sessions: count, then by ascending id: id · ttlMs signed
//   nodes: count, then by ascending path bytes (so parents come first):
//     path · data · czxid · mzxid · pzxid · ctimeMs · mtimeMs · version · cversion ·
//     kind · optional owner · optional ttlMs · sequenceNext
//   idempotency: newestTimeMs signed · count, then oldest first: key · zxid · timeMs · result
//
// numChildren, dataLength, the children sets, the sessions' ephemerals and the TTL index
// are derived on restore rather than stored.

/// The first bytes of every snapshot.
private let snapshotMagic: [UInt8] = Array("PDKS".utf8)
/// The snapshot format version written by this build.
private let snapshotFormatVersion: UInt8 = 1

extension ZNodeTree {
    /// The largest version, cversion or sequence counter a restored snapshot may hold.
    static let counterMax: Int64 = 1 << 62

    /// The tree's canonical bytes: versioned, deterministic, byte-identical for equal trees.
    ///
    /// Sorts every collection, so it costs O(n log n); call it on a copy to let the
    /// original go on applying entries meanwhile.
    public func snapshot() -> [UInt8] {
        var writer = ByteWriter()
        for byte in snapshotMagic { writer.byte(byte) }
        writer.byte(snapshotFormatVersion)
        writer.signed(limits.idempotencyRetentionMs)
        writer.count(limits.idempotencyKeysMax)
        writer.count(limits.pathBytesMax)
        writer.zxid(lastApplied)
        let sessionIDs = sessionTable.keys.sorted()
        writer.count(sessionIDs.count)
        for id in sessionIDs {
            writer.session(id)
            writer.signed(sessionTable[id]!.ttlMs)
        }
        let paths = nodes.keys.sorted()
        writer.count(paths.count)
        for path in paths {
            let node = nodes[path]!
            writer.path(path)
            writer.data(node.data)
            writer.zxid(node.stat.czxid)
            writer.zxid(node.stat.mzxid)
            writer.zxid(node.stat.pzxid)
            writer.signed(node.stat.ctimeMs)
            writer.signed(node.stat.mtimeMs)
            writer.signed(node.stat.version)
            writer.signed(node.stat.cversion)
            writer.kind(node.stat.kind)
            writer.optional(node.stat.ephemeralOwner) { $0.session($1) }
            writer.optional(node.stat.ttlMs) { $0.signed($1) }
            writer.signed(node.sequenceNext)
        }
        writer.signed(idempotency.newestTimeMs)
        let records = idempotency.records
        writer.count(records.count)
        for record in records {
            writer.text(record.key)
            writer.zxid(record.zxid)
            writer.signed(record.timeMs)
            writer.result(record.result)
        }
        return writer.bytes
    }

    /// Restores a tree from `snapshot()` bytes, validating every invariant of `ZNodeTree`.
    ///
    /// - Throws: `CodecError` for truncated, garbled, trailing or inconsistent bytes or an
    ///   unknown version; never crashes.
    public init(snapshot bytes: [UInt8]) throws(CodecError) {
        var reader = ByteReader(bytes)
        for expected in snapshotMagic {
            guard try reader.byte() == expected else { throw reader.error(.invalidValue, "not a Paddock snapshot") }
        }
        let version = try reader.byte()
        guard version == snapshotFormatVersion else {
            throw reader.error(.unsupportedVersion, "snapshot format version \(version)")
        }
        let retentionMs = try reader.signed()
        let keysMax = try reader.size()
        let pathBytesMax = try reader.size()
        guard retentionMs >= 0, pathBytesMax >= 1 else {
            throw reader.error(.invalidValue, "limits out of range: retention \(retentionMs) ms, path \(pathBytesMax) bytes")
        }
        self.init(limits: Limits(
            idempotencyRetentionMs: retentionMs, idempotencyKeysMax: keysMax, pathBytesMax: pathBytesMax))
        lastApplied = try reader.zxid()
        try readSessions(&reader)
        try readNodes(&reader)
        try readIdempotency(&reader)
        try reader.expectEnd()
    }

    /// Reads the sessions: ascending ids, positive TTLs.
    private mutating func readSessions(_ reader: inout ByteReader) throws(CodecError) {
        let count = try reader.count(itemBytesMin: 2)
        var previous: SessionID?
        for _ in 0..<count {
            let id = try reader.session()
            let ttlMs = try reader.signed()
            guard previous.map({ $0 < id }) ?? true else { throw reader.error(.inconsistent, "session \(id) out of order") }
            guard ttlMs > 0 else { throw reader.error(.invalidValue, "session \(id) has ttl \(ttlMs)") }
            sessionTable[id] = SessionRecord(ttlMs: ttlMs, ephemerals: [])
            previous = id
        }
    }

    /// Reads the nodes: the root first, then ascending paths, each below an existing
    /// non-ephemeral parent, with stats consistent with their kind and `lastApplied`.
    private mutating func readNodes(_ reader: inout ByteReader) throws(CodecError) {
        let count = try reader.count(itemBytesMin: 14)
        guard count >= 1 else { throw reader.error(.inconsistent, "no root node") }
        var previous: ZNodePath?
        for _ in 0..<count {
            let path = try reader.path()
            let data = try reader.data()
            var stat = Stat(
                czxid: try reader.zxid(), mzxid: try reader.zxid(), pzxid: try reader.zxid(),
                ctimeMs: try reader.signed(), mtimeMs: try reader.signed(),
                version: try reader.signed(), cversion: try reader.signed(),
                ephemeralOwner: nil, dataLength: data.count, numChildren: 0, kind: .persistent, ttlMs: nil)
            stat.kind = try reader.kind()
            stat.ephemeralOwner = try reader.optional { (reader: inout ByteReader) throws(CodecError) in try reader.session() }
            stat.ttlMs = try reader.optional { (reader: inout ByteReader) throws(CodecError) in try reader.signed() }
            let sequenceNext = try reader.signed()
            if let problem = problem(path: path, after: previous, stat: stat, sequenceNext: sequenceNext) {
                throw reader.error(.inconsistent, "node \(path): \(problem)")
            }
            var node = Node(data: data, kind: stat.kind, owner: nil, ttlMs: nil, zxid: .zero, timeMs: 0)
            node.stat = stat
            node.sequenceNext = sequenceNext
            nodes[path] = node
            if let parent = path.parent {
                modify(&nodes[parent]!) { parentNode in
                    parentNode.children.insert(ByteString(string: path.name))
                    parentNode.stat.numChildren += 1
                }
            }
            if let owner = stat.ephemeralOwner { sessionTable[owner]!.ephemerals.insert(path) }
            if stat.kind == .ttl { ttlIndex.insert(path) }
            previous = path
        }
    }

    /// What is wrong with a node read from a snapshot, if anything.
    private func problem(path: ZNodePath, after previous: ZNodePath?, stat: Stat, sequenceNext: Int64) -> String? {
        if let previous {
            guard previous < path else { return "out of order after \(previous)" }
            guard let parent = path.parent, let parentNode = nodes[parent] else { return "parent missing" }
            if parentNode.stat.kind.isEphemeral { return "child of an ephemeral node" }
        } else {
            guard path.isRoot, stat.kind == .persistent else { return "the first node must be a persistent root" }
        }
        if stat.kind.isEphemeral != (stat.ephemeralOwner != nil) { return "owner does not match kind \(stat.kind)" }
        if let owner = stat.ephemeralOwner, sessionTable[owner] == nil { return "owner \(owner) is not open" }
        if (stat.kind == .ttl) != (stat.ttlMs != nil) { return "ttl does not match kind \(stat.kind)" }
        if let ttlMs = stat.ttlMs, ttlMs <= 0 { return "ttl \(ttlMs)" }
        if stat.czxid > stat.mzxid || stat.czxid > stat.pzxid || stat.mzxid > lastApplied || stat.pzxid > lastApplied {
            return "zxids \(stat.czxid)/\(stat.mzxid)/\(stat.pzxid) inconsistent with last applied \(lastApplied)"
        }
        // Every change adds 1 to these, one entry at a time: a value past 2^62 cannot come
        // from a real log, and rejecting it here keeps `apply` free of overflow traps.
        let counterRange = 0...ZNodeTree.counterMax
        if !counterRange.contains(stat.version) || !counterRange.contains(stat.cversion)
            || !counterRange.contains(sequenceNext)
        {
            return "version \(stat.version), cversion \(stat.cversion) or sequence \(sequenceNext) out of range"
        }
        return nil
    }

    /// Reads the idempotency table: unique keys, ascending zxids up to `lastApplied`,
    /// within the key limit.
    private mutating func readIdempotency(_ reader: inout ByteReader) throws(CodecError) {
        let newestTimeMs = try reader.signed()
        let count = try reader.count(itemBytesMin: 4)
        guard count <= limits.idempotencyKeysMax else {
            throw reader.error(.inconsistent, "\(count) idempotency keys over the limit of \(limits.idempotencyKeysMax)")
        }
        var records: [IdempotencyTable.Record] = []
        records.reserveCapacity(count)
        var keys: Set<ByteString> = []
        for _ in 0..<count {
            let record = IdempotencyTable.Record(
                key: try reader.text(), zxid: try reader.zxid(), timeMs: try reader.signed(), result: try reader.result())
            guard record.zxid <= lastApplied, records.last.map({ $0.zxid < record.zxid }) ?? true,
                keys.insert(ByteString(string: record.key)).inserted, record.timeMs <= newestTimeMs
            else {
                throw reader.error(.inconsistent, "idempotency record \(record.key.debugDescription) at \(record.zxid)")
            }
            records.append(record)
        }
        idempotency = IdempotencyTable(records: records, newestTimeMs: newestTimeMs)
    }

    /// A 64-bit FNV-1a hash of `snapshot()`: equal for equal trees on every member.
    public func digest() -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in snapshot() {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
