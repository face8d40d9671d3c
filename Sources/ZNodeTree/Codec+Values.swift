// Binary forms of the small values shared by the entry and snapshot codecs. Every code
// below is part of the format: never renumber, only add.

extension NodeKind {
    /// The kind's stable code in the binary formats.
    var code: UInt8 {
        switch self {
        case .persistent: 0
        case .ephemeral: 1
        case .sequential: 2
        case .ephemeralSequential: 3
        case .container: 4
        case .ttl: 5
        }
    }

    /// The kind with binary `code`, or nil.
    init?(code: UInt8) {
        switch code {
        case 0: self = .persistent
        case 1: self = .ephemeral
        case 2: self = .sequential
        case 3: self = .ephemeralSequential
        case 4: self = .container
        case 5: self = .ttl
        default: return nil
        }
    }
}

extension ErrorCode {
    /// The error code's stable code in the binary formats.
    var code: UInt8 {
        switch self {
        case .noNode: 0
        case .nodeExists: 1
        case .badVersion: 2
        case .notEmpty: 3
        case .noChildrenForEphemerals: 4
        case .sessionExpired: 5
        case .invalidPath: 6
        case .tooLarge: 7
        case .badArguments: 8
        case .runtimeInconsistency: 9
        case .fenceMismatch: 10
        }
    }

    /// The error code with binary `code`, or nil.
    init?(code: UInt8) {
        guard let found = ErrorCode.allCases.first(where: { $0.code == code }) else { return nil }
        self = found
    }
}

extension ByteWriter {
    /// Appends a zxid.
    mutating func zxid(_ value: Zxid) { varint(value.rawValue) }

    /// Appends a session id.
    mutating func session(_ value: SessionID) { varint(value.rawValue) }

    /// Appends a node kind.
    mutating func kind(_ value: NodeKind) { byte(value.code) }

    /// Appends every field of a stat.
    mutating func stat(_ value: Stat) {
        zxid(value.czxid)
        zxid(value.mzxid)
        zxid(value.pzxid)
        signed(value.ctimeMs)
        signed(value.mtimeMs)
        signed(value.version)
        signed(value.cversion)
        optional(value.ephemeralOwner) { $0.session($1) }
        count(value.dataLength)
        count(value.numChildren)
        kind(value.kind)
        optional(value.ttlMs) { $0.signed($1) }
    }

    /// Appends a domain error.
    mutating func zNodeError(_ value: ZNodeError) {
        byte(value.code.code)
        optional(value.path) { $0.path($1) }
        text(value.message)
        optional(value.opIndex) { $0.count($1) }
    }
}

extension ByteReader {
    /// Reads a zxid.
    mutating func zxid() throws(CodecError) -> Zxid { Zxid(try varint()) }

    /// Reads a session id.
    mutating func session() throws(CodecError) -> SessionID { SessionID(try varint()) }

    /// Reads a node kind.
    mutating func kind() throws(CodecError) -> NodeKind {
        let code = try byte()
        guard let kind = NodeKind(code: code) else { throw error(.invalidValue, "node kind \(code)") }
        return kind
    }

    /// Reads a non-negative integer that fits an `Int`.
    mutating func size() throws(CodecError) -> Int {
        let value = try varint()
        guard value <= UInt64(Int.max) else { throw error(.invalidValue, "size \(value) too large") }
        return Int(value)
    }

    /// Reads every field of a stat.
    mutating func stat() throws(CodecError) -> Stat {
        Stat(
            czxid: try zxid(), mzxid: try zxid(), pzxid: try zxid(),
            ctimeMs: try signed(), mtimeMs: try signed(),
            version: try signed(), cversion: try signed(),
            ephemeralOwner: try optional { (reader: inout ByteReader) throws(CodecError) in try reader.session() },
            dataLength: try size(), numChildren: try size(),
            kind: try kind(),
            ttlMs: try optional { (reader: inout ByteReader) throws(CodecError) in try reader.signed() })
    }

    /// Reads a domain error.
    mutating func zNodeError() throws(CodecError) -> ZNodeError {
        let raw = try byte()
        guard let code = ErrorCode(code: raw) else { throw error(.invalidValue, "error code \(raw)") }
        return ZNodeError(
            code: code,
            path: try optional { (reader: inout ByteReader) throws(CodecError) in try reader.path() },
            message: try text(),
            opIndex: try optional { (reader: inout ByteReader) throws(CodecError) in try reader.size() })
    }
}
