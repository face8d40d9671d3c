import ZNodeTree

extension JSONWriter {
    /// Writes a stat object with the exact keys of the API: `czxid, mzxid, pzxid, ctime,
    /// mtime, version, cversion, ephemeralOwner, dataLength, numChildren, kind` and `ttl`
    /// when the node has one. Zxids and times (ms since the epoch) are JSON numbers;
    /// `ephemeralOwner` is a 16-hex session id or null.
    public mutating func stat(_ stat: Stat) {
        beginObject()
        key("czxid"); number(stat.czxid.rawValue)
        key("mzxid"); number(stat.mzxid.rawValue)
        key("pzxid"); number(stat.pzxid.rawValue)
        key("ctime"); number(stat.ctimeMs)
        key("mtime"); number(stat.mtimeMs)
        key("version"); number(stat.version)
        key("cversion"); number(stat.cversion)
        key("ephemeralOwner")
        if let owner = stat.ephemeralOwner { string(owner.description) } else { null() }
        key("dataLength"); number(stat.dataLength)
        key("numChildren"); number(stat.numChildren)
        key("kind"); string(stat.kind.rawValue)
        if let ttlMs = stat.ttlMs { key("ttl"); number(ttlMs) }
        endObject()
    }

    /// Writes the member `name` as an array of strings.
    public mutating func stringArray<Values: Sequence<String>>(_ name: String, _ values: Values) {
        key(name)
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    /// Writes `{"path","stat"}`: the answer of a create or a set.
    public mutating func writtenNode(path: String, stat: Stat) {
        beginObject()
        key("path"); string(path)
        key("stat"); self.stat(stat)
        endObject()
    }

    /// Writes `"data"` and `"encoding"` members for `bytes`, in `requested` encoding, or in
    /// base64 when `utf8` was requested but the bytes are not valid UTF-8.
    public mutating func dataMembers(_ bytes: [UInt8], requested: DataEncoding) {
        if requested == .utf8, String(validating: bytes, as: UTF8.self) != nil {
            key("data"); string(utf8: bytes)
            key("encoding"); string("utf8")
        } else {
            key("data"); string(DataEncoding.base64String(bytes))
            key("encoding"); string("base64")
        }
    }
}
