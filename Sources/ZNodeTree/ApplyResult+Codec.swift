// Binary form of apply results, stored with idempotency keys in snapshots. Tags are part
// of the snapshot format: never renumber, only add.

/// Stable tags of results in the snapshot format.
private enum ResultTag {
    static let created: UInt8 = 1
    static let setData: UInt8 = 2
    static let deleted: UInt8 = 3
    static let multi: UInt8 = 4
    static let sessionOpened: UInt8 = 5
    static let sessionClosed: UInt8 = 6
    static let sessionsExpired: UInt8 = 7
    static let ttlNodesExpired: UInt8 = 8
    static let noop: UInt8 = 9
    static let failed: UInt8 = 10
    static let checked: UInt8 = 11
}

extension ByteWriter {
    /// Appends an apply result: its tag, then its fields.
    mutating func result(_ result: ApplyResult) {
        switch result {
        case .created(let path, let stat):
            byte(ResultTag.created)
            self.path(path)
            self.stat(stat)
        case .setData(let stat):
            byte(ResultTag.setData)
            self.stat(stat)
        case .deleted(let paths):
            byte(ResultTag.deleted)
            count(paths.count)
            for path in paths { self.path(path) }
        case .multi(let results):
            byte(ResultTag.multi)
            count(results.count)
            for result in results { opResult(result) }
        case .sessionOpened(let id, let ttlMs):
            byte(ResultTag.sessionOpened)
            session(id)
            signed(ttlMs)
        case .sessionClosed(let paths):
            byte(ResultTag.sessionClosed)
            count(paths.count)
            for path in paths { self.path(path) }
        case .sessionsExpired(let ids):
            byte(ResultTag.sessionsExpired)
            count(ids.count)
            for id in ids { session(id) }
        case .ttlNodesExpired(let paths):
            byte(ResultTag.ttlNodesExpired)
            count(paths.count)
            for path in paths { self.path(path) }
        case .noop:
            byte(ResultTag.noop)
        case .failed(let error):
            byte(ResultTag.failed)
            zNodeError(error)
        }
    }

    /// Appends one op's result of a multi.
    private mutating func opResult(_ result: OpResult) {
        switch result {
        case .created(let path, let stat):
            byte(ResultTag.created)
            self.path(path)
            self.stat(stat)
        case .setData(let stat):
            byte(ResultTag.setData)
            self.stat(stat)
        case .deleted(let path):
            byte(ResultTag.deleted)
            self.path(path)
        case .checked:
            byte(ResultTag.checked)
        }
    }
}

extension ByteReader {
    /// Reads an apply result.
    mutating func result() throws(CodecError) -> ApplyResult {
        let tag = try byte()
        switch tag {
        case ResultTag.created: return .created(path: try path(), stat: try stat())
        case ResultTag.setData: return .setData(try stat())
        case ResultTag.deleted: return .deleted(paths: try paths())
        case ResultTag.multi:
            let count = try count()
            var results: [OpResult] = []
            results.reserveCapacity(count)
            for _ in 0..<count { results.append(try opResult()) }
            return .multi(results)
        case ResultTag.sessionOpened: return .sessionOpened(try session(), ttlMs: try signed())
        case ResultTag.sessionClosed: return .sessionClosed(try paths())
        case ResultTag.sessionsExpired:
            let count = try count()
            var ids: [SessionID] = []
            ids.reserveCapacity(count)
            for _ in 0..<count { ids.append(try session()) }
            return .sessionsExpired(ids)
        case ResultTag.ttlNodesExpired: return .ttlNodesExpired(try paths())
        case ResultTag.noop: return .noop
        case ResultTag.failed: return .failed(try zNodeError())
        default: throw error(.invalidValue, "result tag \(tag)")
        }
    }

    /// Reads a counted list of paths.
    private mutating func paths() throws(CodecError) -> [ZNodePath] {
        let count = try count(itemBytesMin: 2)
        var paths: [ZNodePath] = []
        paths.reserveCapacity(count)
        for _ in 0..<count { paths.append(try path()) }
        return paths
    }

    /// Reads one op's result of a multi.
    private mutating func opResult() throws(CodecError) -> OpResult {
        let tag = try byte()
        switch tag {
        case ResultTag.created: return .created(path: try path(), stat: try stat())
        case ResultTag.setData: return .setData(try stat())
        case ResultTag.deleted: return .deleted(path: try path())
        case ResultTag.checked: return .checked
        default: throw error(.invalidValue, "op result tag \(tag)")
        }
    }
}

extension ApplyResult {
    /// The result in the same binary form snapshots store, for members passing a result
    /// to the member that forwarded the write.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.result(self)
        return writer.bytes
    }

    /// Decodes `encoded()` bytes.
    ///
    /// - Throws: `CodecError` for truncated, garbled or trailing bytes; never crashes.
    public init(decoding bytes: [UInt8]) throws(CodecError) {
        var reader = ByteReader(bytes)
        self = try reader.result()
        try reader.expectEnd()
    }
}
