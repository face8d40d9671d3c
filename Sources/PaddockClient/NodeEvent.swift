import PaddockAPI
import ZNodeTree

/// One change (or one node of an initial snapshot) delivered by a watch.
public struct NodeEvent: Sendable, Equatable {
    /// What happened.
    public enum Kind: String, Sendable, CaseIterable {
        /// A node was created (`data` holds its data).
        case created
        /// A node's data was set (`data` holds the new data).
        case changed
        /// A node was deleted (`stat` is its last stat).
        case deleted
        /// A child of the node was created or deleted (plain watches only).
        case childrenChanged = "children_changed"
        /// A node of the current state, sent first by an `initial` watch.
        case initial
        /// The end of an `initial` snapshot: changes after `zxid` follow.
        case synced
    }

    /// What happened.
    public var kind: Kind
    /// The node concerned (empty for `synced`).
    public var path: String
    /// The zxid of the entry that made the change (for `initial` and `synced`: the
    /// snapshot's zxid).
    public var zxid: Zxid
    /// The node's stat after the change (its last one for `deleted`).
    public var stat: Stat?
    /// The node's data, for `created`, `changed` and `initial`.
    public var data: [UInt8]?

    /// An event from its parts.
    public init(kind: Kind, path: String, zxid: Zxid, stat: Stat? = nil, data: [UInt8]? = nil) {
        self.kind = kind
        self.path = path
        self.zxid = zxid
        self.stat = stat
        self.data = data
    }

    /// The data as UTF-8 text, when there is data and it is valid UTF-8.
    public var string: String? { data.flatMap { String(validating: $0, as: UTF8.self) } }
}

/// The JSON of one event as the server sends it.
struct WatchEventBody: Decodable {
    var type: String
    var path: String?
    var zxid: UInt64?
    var stat: WireStat?
    var data: String?
    var encoding: DataEncoding?
}

/// Where and how a watch starts.
public struct WatchOptions: Sendable, Equatable {
    /// Watch the whole subtree (`created`, `changed`, `deleted` of every node below).
    public var recursive: Bool
    /// Start after this zxid (from the member's history); nil: after the applied zxid.
    public var since: Zxid?
    /// First deliver the current node (or subtree) as `initial` events, then `synced`.
    public var initial: Bool

    /// Options; by default a plain watch from now on.
    public init(recursive: Bool = false, since: Zxid? = nil, initial: Bool = false) {
        precondition(since == nil || !initial, "a watch starts either since a zxid or with initial, not both")
        self.recursive = recursive
        self.since = since
        self.initial = initial
    }
}
