import ZNodeTree

/// A znode's stat as the API sends it, for clients decoding responses.
///
/// Keys: `czxid, mzxid, pzxid, ctime, mtime, version, cversion, ephemeralOwner,
/// dataLength, numChildren, kind` and `ttl` when set. Zxids and times (ms since the epoch)
/// are JSON numbers; `ephemeralOwner` is a 16-hex session id or null. The server writes
/// the same keys with `JSONWriter.stat(_:)`; a test decodes its output with this type.
public struct WireStat: Codable, Sendable, Equatable {
    /// The stat it carries.
    public var stat: Stat

    /// Wraps a stat.
    public init(_ stat: Stat) { self.stat = stat }

    private enum Keys: String, CodingKey {
        case czxid, mzxid, pzxid, ctime, mtime, version, cversion, ephemeralOwner, dataLength, numChildren, kind, ttl
    }

    /// Decodes the API's stat object.
    ///
    /// - Throws: `DecodingError` for a missing key, a wrong type, an unknown kind or a
    ///   session id that is not 16 hex digits.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let kindName = try container.decode(String.self, forKey: .kind)
        guard let kind = NodeKind(rawValue: kindName) else {
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown kind \(kindName)")
        }
        var owner: SessionID?
        if let hex = try container.decodeIfPresent(String.self, forKey: .ephemeralOwner) {
            guard hex.utf8.count == 16, let id = SessionID(hex: hex) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .ephemeralOwner, in: container, debugDescription: "not a session id: \(hex)")
            }
            owner = id
        }
        stat = Stat(
            czxid: Zxid(try container.decode(UInt64.self, forKey: .czxid)),
            mzxid: Zxid(try container.decode(UInt64.self, forKey: .mzxid)),
            pzxid: Zxid(try container.decode(UInt64.self, forKey: .pzxid)),
            ctimeMs: try container.decode(Int64.self, forKey: .ctime),
            mtimeMs: try container.decode(Int64.self, forKey: .mtime),
            version: try container.decode(Int64.self, forKey: .version),
            cversion: try container.decode(Int64.self, forKey: .cversion),
            ephemeralOwner: owner,
            dataLength: try container.decode(Int.self, forKey: .dataLength),
            numChildren: try container.decode(Int.self, forKey: .numChildren),
            kind: kind,
            ttlMs: try container.decodeIfPresent(Int64.self, forKey: .ttl))
    }

    /// Encodes the API's stat object (same keys and order as the server writes).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(stat.czxid.rawValue, forKey: .czxid)
        try container.encode(stat.mzxid.rawValue, forKey: .mzxid)
        try container.encode(stat.pzxid.rawValue, forKey: .pzxid)
        try container.encode(stat.ctimeMs, forKey: .ctime)
        try container.encode(stat.mtimeMs, forKey: .mtime)
        try container.encode(stat.version, forKey: .version)
        try container.encode(stat.cversion, forKey: .cversion)
        if let owner = stat.ephemeralOwner {
            try container.encode(owner.description, forKey: .ephemeralOwner)
        } else {
            try container.encodeNil(forKey: .ephemeralOwner)
        }
        try container.encode(stat.dataLength, forKey: .dataLength)
        try container.encode(stat.numChildren, forKey: .numChildren)
        try container.encode(stat.kind.rawValue, forKey: .kind)
        try container.encodeIfPresent(stat.ttlMs, forKey: .ttl)
    }
}
