import ZNodeTree

/// The fencing token of a lock grant or a leadership: the zxid of the log entry that
/// queued the holder, as the server reports it.
///
/// Tokens of one lock (or election) strictly increase from grant to grant, also after the
/// lock was unused for a while, and two grants never share one. Pass the token to the
/// resource the lock protects (or to a `fence` op of a transaction) so that a holder that
/// paused past its session's end is refused: its token is lower than the new holder's.
public struct FencingToken: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The token as a number (the holder node's czxid).
    public var rawValue: UInt64

    /// Wraps a token number.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The token of the grant queued by the entry `zxid`.
    public init(_ zxid: Zxid) { self.rawValue = zxid.rawValue }

    /// The token as the zxid it is (for `TxnOp` fences).
    public var zxid: Zxid { Zxid(rawValue) }

    /// Whether `lhs` is older than `rhs`: a grant with the lower token came first.
    public static func < (lhs: FencingToken, rhs: FencingToken) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The decimal number, as it goes into `PADDOCK_FENCING_TOKEN` and `fence` ops.
    public var description: String { String(rawValue) }
}

/// A held lock: what `Lock.tryLock` and `Lock.acquire` answer.
public struct LockGrant: Sendable, Equatable {
    /// The lock's name.
    public var name: String
    /// The holder's key (`lock-0000000012`): the capability to release it.
    public var key: String
    /// The holder node's path (`/paddock/locks/NAME/KEY`).
    public var path: String
    /// The session that holds it.
    public var session: SessionID
    /// The grant's fencing token.
    public var token: FencingToken
    /// The zxid the grant was read at.
    public var zxid: Zxid

    /// A grant from its parts.
    public init(name: String, key: String, path: String, session: SessionID, token: FencingToken, zxid: Zxid) {
        self.name = name
        self.key = key
        self.path = path
        self.session = session
        self.token = token
        self.zxid = zxid
    }
}

/// One contender of a lock or an election queue, as `GET` shows it.
public struct QueueContender: Sendable, Equatable {
    /// Its key (`lock-0000000012`, `candidate-0000000003`).
    public var key: String
    /// Its session (nil for a node made by hand without one).
    public var session: SessionID?
    /// The token it has, or will have when it comes to the head.
    public var token: FencingToken

    /// A contender from its parts.
    public init(key: String, session: SessionID?, token: FencingToken) {
        self.key = key
        self.session = session
        self.token = token
    }
}

/// Who holds a lock and who waits: what `Lock.status()` answers.
public struct LockStatus: Sendable, Equatable {
    /// The lock's name.
    public var name: String
    /// The holder, or nil when nobody holds it.
    public var holder: QueueContender?
    /// The queue in order, the holder first.
    public var queue: [QueueContender]
    /// The zxid the status was read at.
    public var zxid: Zxid

    /// A status from its parts.
    public init(name: String, holder: QueueContender?, queue: [QueueContender], zxid: Zxid) {
        self.name = name
        self.holder = holder
        self.queue = queue
        self.zxid = zxid
    }
}
