import PaddockAPI
import ZNodeTree

/// Builds tree commands from request fields, checking everything that does not need the
/// tree (paths, sizes, kinds, TTLs), so nothing invalid is proposed.
enum NodeCommands {
    /// Fields of a create (besides `op` and `path` in a transaction).
    static let createFields: Set<String> = ["data", "encoding", "kind", "session", "ttl", "parents"]
    /// Bytes a sequential create appends to its path (the counter as 10 digits).
    static let sequenceSuffixBytes = 10
    /// Fields of a set.
    static let setFields: Set<String> = ["data", "encoding", "version"]

    /// The znode path named by the raw `{path}` of `/v1/nodes/{path}` (or nil for `/v1/nodes`).
    ///
    /// - Throws: `InvalidPath` for bad percent-encoding, bad UTF-8, or a path that breaks
    ///   the path rules (checked after decoding, so `%00` is a NUL).
    static func path(raw: Substring?, limits: Limits) throws(RequestRejection) -> ZNodePath {
        guard let raw, !raw.isEmpty else { return .root }
        if !raw.utf8.contains(UInt8(ascii: "%")) {
            // Nothing to decode (the common case): the text is "/" and the raw bytes.
            var text = "/"
            text.append(contentsOf: raw)
            return try path(text: text, limits: limits)
        }
        guard let decoded = PercentDecoding.decode(raw.utf8, plusAsSpace: false) else {
            throw RequestRejection(.invalidPath, "the path has a bad percent-encoding")
        }
        guard let text = String(validating: decoded, as: UTF8.self) else {
            throw RequestRejection(.invalidPath, "the path is not valid UTF-8")
        }
        return try path(text: "/" + text, limits: limits)
    }

    /// A znode path from its text (as given in a transaction).
    static func path(text: String, limits: Limits, opIndex: Int? = nil) throws(RequestRejection) -> ZNodePath {
        do {
            return try ZNodePath(validating: text, bytesMax: limits.pathBytesMax)
        } catch {
            throw RequestRejection(.invalidPath, error.message, path: text, opIndex: opIndex)
        }
    }

    /// A create of `path` from request fields.
    static func create(at path: ZNodePath, _ fields: FieldReader, limits: Limits) throws(RequestRejection) -> CreateOp {
        let data = try fields.data(limits: limits)
        let kindName = try fields.string("kind") ?? NodeKind.persistent.rawValue
        guard let kind = NodeKind(rawValue: kindName) else {
            let names = NodeKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw fields.reject("\"kind\" must be one of \(names), got \"\(kindName)\"")
        }
        let pathBytes = path.string.utf8.count
        if kind.isSequential, pathBytes + sequenceSuffixBytes > limits.pathBytesMax {
            throw fields.reject(
                "a sequential path gets a \(sequenceSuffixBytes)-digit suffix: \(pathBytes) + \(sequenceSuffixBytes) bytes exceeds the limit of \(limits.pathBytesMax)",
                code: .invalidPath)
        }
        var ttlMs: Int64?
        if let ttl = fields.value("ttl") {
            let ms: Int64
            do {
                ms = try DurationText.milliseconds(ttl, field: "ttl")
            } catch {
                throw fields.reject(error.problem.detail)
            }
            guard ms > 0, ms <= limits.ttlNodeMaxMs else {
                throw fields.reject(
                    "\"ttl\" must be between 1 and \(limits.ttlNodeMaxMs) ms, got \(ms)", code: .badArguments)
            }
            ttlMs = ms
        }
        return CreateOp(
            path: path, data: data, kind: kind, session: try fields.session(), ttlMs: ttlMs,
            createParents: try fields.bool("parents") ?? false)
    }

    /// A create from a raw body: the bytes are the data, the node persistent.
    static func create(at path: ZNodePath, raw: [UInt8], limits: Limits) throws(RequestRejection) -> CreateOp {
        try checkSize(raw, limits: limits)
        return CreateOp(path: path, data: raw)
    }

    /// A set of `path` from request fields; `version` from the query wins when both are given.
    static func setData(at path: ZNodePath, _ fields: FieldReader, version: Int64?, limits: Limits)
        throws(RequestRejection) -> SetDataOp
    {
        let data = try fields.data(limits: limits)
        let bodyVersion = try fields.version()
        if let version, let bodyVersion, version != bodyVersion {
            throw fields.reject("the query says version \(version) and the body \(bodyVersion)")
        }
        return SetDataOp(path: path, data: data, expectedVersion: version ?? bodyVersion)
    }

    /// Refuses data past the limit.
    static func checkSize(_ data: [UInt8], limits: Limits) throws(RequestRejection) {
        guard data.count <= limits.dataBytesMax else {
            throw RequestRejection(.tooLarge, "data is \(data.count) bytes; the limit is \(limits.dataBytesMax)")
        }
    }
}
