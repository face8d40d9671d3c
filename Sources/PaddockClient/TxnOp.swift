import PaddockAPI
import ZNodeTree

/// One operation of a transaction (`Client.txn`).
///
/// Build them with the static functions; the operations of one transaction apply in order,
/// all or none.
public struct TxnOp: Sendable, Equatable {
    /// The operation as it travels.
    public var wire: TxnRequest.Op

    /// Wraps a wire operation (as read from a JSON file, for instance).
    public init(wire: TxnRequest.Op) { self.wire = wire }

    /// Fails the transaction unless `path` exists (and has `version`, when given).
    public static func check(_ path: String, version: Int64? = nil) -> TxnOp {
        TxnOp(wire: .init(op: "check", path: path, version: version))
    }

    /// Creates a node; see `Client.create`.
    public static func create(
        _ path: String, data: [UInt8] = [], kind: NodeKind = .persistent, ttlMs: Int64? = nil,
        parents: Bool = false, session: SessionID? = nil
    ) -> TxnOp {
        let (text, encoding) = WireData.encode(data)
        return TxnOp(
            wire: .init(
                op: "create", path: path, data: data.isEmpty ? nil : text, encoding: data.isEmpty ? nil : encoding,
                kind: kind == .persistent ? nil : kind.rawValue, session: session.map(WireSessionID.init),
                ttl: ttlMs, parents: parents ? true : nil))
    }

    /// Sets a node's data (only at `version`, when given).
    public static func set(_ path: String, data: [UInt8], version: Int64? = nil) -> TxnOp {
        let (text, encoding) = WireData.encode(data)
        return TxnOp(wire: .init(op: "set", path: path, data: text, encoding: encoding, version: version))
    }

    /// Deletes a node (only at `version`, when given; with `recursive` its subtree too).
    public static func delete(_ path: String, version: Int64? = nil, recursive: Bool = false) -> TxnOp {
        TxnOp(wire: .init(op: "delete", path: path, version: version, recursive: recursive ? true : nil))
    }
}

/// One operation's result in a `TxnResult`.
public struct TxnOpResult: Sendable, Equatable {
    /// The operation's kind: `check`, `create`, `set` or `delete`.
    public var op: String
    /// The created (with its suffix) or deleted path.
    public var path: String?
    /// The stat after a create or a set.
    public var stat: Stat?
}

/// The answer of a transaction.
public struct TxnResult: Sendable, Equatable {
    /// One result per operation, in order.
    public var results: [TxnOpResult]
    /// The zxid of the transaction's log entry.
    public var zxid: Zxid
}

/// Data bytes in the JSON of requests: UTF-8 text when they are, else base64.
enum WireData {
    static func encode(_ bytes: [UInt8]) -> (String, DataEncoding?) {
        if let text = String(validating: bytes, as: UTF8.self) { return (text, nil) }
        return (DataEncoding.base64String(bytes), .base64)
    }
}
