// The entry format, version 1:
//
//   version: byte (1) · timeMs: signed · idempotencyKey: optional text · command
//   command: tag byte, then its fields in declaration order
//
// Flags bytes pack the optional fields of ops; unknown flag bits are rejected so that
// a later version's entry is never half-understood.

/// The entry format version written by this build.
private let entryFormatVersion: UInt8 = 1

/// Stable tags of commands and ops in the entry format.
private enum Tag {
    static let create: UInt8 = 1
    static let setData: UInt8 = 2
    static let delete: UInt8 = 3
    static let check: UInt8 = 4
    static let multi: UInt8 = 5
    static let openSession: UInt8 = 6
    static let closeSession: UInt8 = 7
    static let expireSessions: UInt8 = 8
    static let expireTTLNodes: UInt8 = 9
    static let noop: UInt8 = 10
    static let fence: UInt8 = 11
}

extension Entry {
    /// The entry's compact, versioned binary form; the zxid is not included (it is the
    /// log index the bytes are stored at).
    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.byte(entryFormatVersion)
        writer.signed(timeMs)
        writer.optional(idempotencyKey) { $0.text($1) }
        writer.command(command)
        return writer.bytes
    }

    /// Decodes `encoded()` bytes stored at log index `zxid`.
    ///
    /// - Throws: `CodecError` for truncated, garbled or trailing bytes or an unknown
    ///   version; never crashes.
    public init(decoding bytes: [UInt8], zxid: Zxid) throws(CodecError) {
        var reader = ByteReader(bytes)
        let version = try reader.byte()
        guard version == entryFormatVersion else {
            throw CodecError(code: .unsupportedVersion, message: "entry format version \(version)", offset: 0)
        }
        let timeMs = try reader.signed()
        let key = try reader.optional { (reader: inout ByteReader) throws(CodecError) in try reader.text() }
        let command = try reader.command()
        try reader.expectEnd()
        self.init(zxid: zxid, timeMs: timeMs, idempotencyKey: key, command: command)
    }
}

extension ByteWriter {
    /// Appends a command: its tag, then its fields.
    mutating func command(_ command: Command) {
        switch command {
        case .create(let op): byte(Tag.create); create(op)
        case .setData(let op): byte(Tag.setData); setData(op)
        case .delete(let op): byte(Tag.delete); delete(op)
        case .multi(let ops):
            byte(Tag.multi)
            count(ops.count)
            for op in ops {
                switch op {
                case .create(let op): byte(Tag.create); create(op)
                case .setData(let op): byte(Tag.setData); setData(op)
                case .delete(let op): byte(Tag.delete); delete(op)
                case .check(let op): byte(Tag.check); check(op)
                case .fence(let op): byte(Tag.fence); fence(op)
                }
            }
        case .openSession(let id, let ttlMs):
            byte(Tag.openSession)
            session(id)
            signed(ttlMs)
        case .closeSession(let id):
            byte(Tag.closeSession)
            session(id)
        case .expireSessions(let ids):
            byte(Tag.expireSessions)
            count(ids.count)
            for id in ids { session(id) }
        case .expireTTLNodes(let paths):
            byte(Tag.expireTTLNodes)
            count(paths.count)
            for path in paths { self.path(path) }
        case .noop:
            byte(Tag.noop)
        }
    }

    /// Flags: 1 session, 2 ttlMs, 4 createParents.
    private mutating func create(_ op: CreateOp) {
        path(op.path)
        data(op.data)
        kind(op.kind)
        let flags: UInt8 = (op.session != nil ? 1 : 0) | (op.ttlMs != nil ? 2 : 0) | (op.createParents ? 4 : 0)
        byte(flags)
        if let session = op.session { self.session(session) }
        if let ttlMs = op.ttlMs { signed(ttlMs) }
    }

    private mutating func setData(_ op: SetDataOp) {
        path(op.path)
        data(op.data)
        optional(op.expectedVersion) { $0.signed($1) }
    }

    /// Flags: 1 expectedVersion, 2 recursive.
    private mutating func delete(_ op: DeleteOp) {
        path(op.path)
        byte((op.expectedVersion != nil ? 1 : 0) | (op.recursive ? 2 : 0))
        if let version = op.expectedVersion { signed(version) }
    }

    private mutating func check(_ op: CheckOp) {
        path(op.path)
        optional(op.expectedVersion) { $0.signed($1) }
    }

    private mutating func fence(_ op: FenceOp) {
        path(op.directory)
        zxid(op.token)
    }
}

extension ByteReader {
    /// Reads a command.
    mutating func command() throws(CodecError) -> Command {
        let tag = try byte()
        switch tag {
        case Tag.create: return .create(try create())
        case Tag.setData: return .setData(try setData())
        case Tag.delete: return .delete(try delete())
        case Tag.multi:
            let count = try count(itemBytesMin: 2)
            var ops: [Op] = []
            ops.reserveCapacity(count)
            for _ in 0..<count {
                let opTag = try byte()
                switch opTag {
                case Tag.create: ops.append(.create(try create()))
                case Tag.setData: ops.append(.setData(try setData()))
                case Tag.delete: ops.append(.delete(try delete()))
                case Tag.check: ops.append(.check(try check()))
                case Tag.fence: ops.append(.fence(try fence()))
                default: throw error(.invalidValue, "op tag \(opTag)")
                }
            }
            return .multi(ops)
        case Tag.openSession:
            return .openSession(id: try session(), ttlMs: try signed())
        case Tag.closeSession:
            return .closeSession(try session())
        case Tag.expireSessions:
            let count = try count()
            var ids: [SessionID] = []
            ids.reserveCapacity(count)
            for _ in 0..<count { ids.append(try session()) }
            return .expireSessions(ids)
        case Tag.expireTTLNodes:
            let count = try count(itemBytesMin: 2)
            var paths: [ZNodePath] = []
            paths.reserveCapacity(count)
            for _ in 0..<count { paths.append(try path()) }
            return .expireTTLNodes(paths)
        case Tag.noop:
            return .noop
        default:
            throw error(.invalidValue, "command tag \(tag)")
        }
    }

    private mutating func create() throws(CodecError) -> CreateOp {
        let target = try path()
        let bytes = try data()
        let nodeKind = try kind()
        let flags = try byte()
        guard flags & ~7 == 0 else { throw error(.invalidValue, "create flags \(flags)") }
        let owner = flags & 1 != 0 ? try session() : nil
        let ttlMs = flags & 2 != 0 ? try signed() : nil
        return CreateOp(
            path: target, data: bytes, kind: nodeKind, session: owner, ttlMs: ttlMs, createParents: flags & 4 != 0)
    }

    private mutating func setData() throws(CodecError) -> SetDataOp {
        SetDataOp(
            path: try path(), data: try data(),
            expectedVersion: try optional { (reader: inout ByteReader) throws(CodecError) in try reader.signed() })
    }

    private mutating func delete() throws(CodecError) -> DeleteOp {
        let target = try path()
        let flags = try byte()
        guard flags & ~3 == 0 else { throw error(.invalidValue, "delete flags \(flags)") }
        let version = flags & 1 != 0 ? try signed() : nil
        return DeleteOp(path: target, expectedVersion: version, recursive: flags & 2 != 0)
    }

    private mutating func check() throws(CodecError) -> CheckOp {
        CheckOp(
            path: try path(),
            expectedVersion: try optional { (reader: inout ByteReader) throws(CodecError) in try reader.signed() })
    }

    private mutating func fence() throws(CodecError) -> FenceOp {
        FenceOp(directory: try path(), token: try zxid())
    }
}
