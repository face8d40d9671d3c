/// What a Raft message asks or answers.
public enum MessageKind: String, Sendable, Equatable, CaseIterable {
    /// "Could I win an election at `term`?" sent before bumping the term (thesis §9.6).
    /// Uses `logTerm`/`index` as the candidate's last log position.
    case preVote
    /// Answer to `preVote`; `reject` says no.
    case preVoteResponse
    /// RequestVote (Raft §5.2); `logTerm`/`index` are the candidate's last log position;
    /// `leadershipTransfer` asks voters to ignore their leader lease.
    case vote
    /// Answer to `vote`; `reject` says no.
    case voteResponse
    /// AppendEntries (Raft §5.3): `index`/`logTerm` name the entry preceding `entries`;
    /// `commit` is the leader's commit index.
    case append
    /// Answer to `append`: on success `index` is the follower's last matching index; on
    /// `reject`, `index` is the rejected previous index and `hintIndex`/`hintTerm` tell the
    /// leader where the logs may agree (fast backtracking).
    case appendResponse
    /// Leader liveness and commit propagation; `commit` is min(leader commit, follower match)
    /// and `readRound` names the ReadIndex round it confirms.
    case heartbeat
    /// Answer to `heartbeat`, echoing `readRound`.
    case heartbeatResponse
    /// One InstallSnapshot chunk (Raft §7) in `snapshotChunk`.
    case installSnapshot
    /// Answer to `installSnapshot`: `snapshotChunk` carries the next offset wanted, or
    /// `isLast` when installed; `index` is then the follower's last index.
    case installSnapshotResponse
    /// A follower forwarding a linearizable read request (with `context`) to its leader.
    case readIndex
    /// The leader's answer to `readIndex`: the read may be served once the follower has
    /// applied `index`; `reject` when the leader could not serve it.
    case readIndexResponse
    /// The leader telling a caught-up transfer target to start an election now (thesis §3.10).
    case timeoutNow
}

/// One message between Raft members, in the flat shape of etcd's `raftpb.Message`.
///
/// Each `MessageKind` documents which fields it uses; the others keep their defaults.
public struct Message: Sendable, Equatable, CustomStringConvertible {
    /// What the message asks or answers.
    public var kind: MessageKind
    /// The sender.
    public var from: NodeID
    /// The receiver.
    public var to: NodeID
    /// The sender's current term (for `preVote`: the term it would campaign at).
    public var term: Term
    /// A log term: the previous entry's term in `append`, the last entry's in votes.
    public var logTerm: Term
    /// A log index; meaning per kind.
    public var index: LogIndex
    /// Entries carried by `append`.
    public var entries: [LogEntry]
    /// The sender's commit index (`append`, `heartbeat`).
    public var commit: LogIndex
    /// Whether a response refuses the request.
    public var reject: Bool
    /// In a rejected `appendResponse`: the largest index at most `index` whose term is at most
    /// the leader's `logTerm` in the follower's log.
    public var hintIndex: LogIndex
    /// In a rejected `appendResponse`: the follower's term at `hintIndex`.
    public var hintTerm: Term
    /// The snapshot chunk of `installSnapshot` and its response.
    public var snapshotChunk: SnapshotChunk?
    /// The ReadIndex round a heartbeat confirms (0 for none).
    public var readRound: UInt64
    /// The application's read request identifier (`readIndex`, `readIndexResponse`).
    public var context: [UInt8]
    /// In `vote`: the election follows a leadership transfer, so voters ignore their lease.
    public var leadershipTransfer: Bool

    /// A message; fields a kind does not use keep their defaults.
    public init(
        kind: MessageKind, from: NodeID, to: NodeID, term: Term,
        logTerm: Term = .zero, index: LogIndex = .zero, entries: [LogEntry] = [],
        commit: LogIndex = .zero, reject: Bool = false,
        hintIndex: LogIndex = .zero, hintTerm: Term = .zero,
        snapshotChunk: SnapshotChunk? = nil, readRound: UInt64 = 0, context: [UInt8] = [],
        leadershipTransfer: Bool = false
    ) {
        self.kind = kind
        self.from = from
        self.to = to
        self.term = term
        self.logTerm = logTerm
        self.index = index
        self.entries = entries
        self.commit = commit
        self.reject = reject
        self.hintIndex = hintIndex
        self.hintTerm = hintTerm
        self.snapshotChunk = snapshotChunk
        self.readRound = readRound
        self.context = context
        self.leadershipTransfer = leadershipTransfer
    }

    /// The payload bytes of the carried entries and snapshot chunk, for network accounting.
    public var payloadBytes: Int {
        entries.reduce(0) { $0 + $1.data.count } + (snapshotChunk?.data.count ?? 0)
    }

    /// A one-line rendering that names only the fields the kind uses, for logs and golden files.
    public var description: String {
        var s = "\(from)->\(to) \(kind.rawValue) term=\(term)"
        switch kind {
        case .preVote, .vote:
            s += " last=\(index)@\(logTerm)"
            if leadershipTransfer { s += " transfer" }
        case .preVoteResponse, .voteResponse:
            s += reject ? " rejected" : " granted"
        case .append:
            s += " prev=\(index)@\(logTerm) commit=\(commit)"
            s += " entries=[\(entries.map(Self.render).joined(separator: " "))]"
        case .appendResponse:
            s += reject ? " rejected index=\(index) hint=\(hintIndex)@\(hintTerm)" : " index=\(index)"
        case .heartbeat:
            s += " commit=\(commit)"
            if readRound != 0 { s += " round=\(readRound)" }
        case .heartbeatResponse:
            if readRound != 0 { s += " round=\(readRound)" }
        case .installSnapshot, .installSnapshotResponse:
            if let c = snapshotChunk {
                s += " snapshot=\(c.metadata.index)@\(c.metadata.term) offset=\(c.offsetBytes)"
                if kind == .installSnapshot { s += " bytes=\(c.data.count)" }
                if c.isLast { s += " last" }
            }
            if kind == .installSnapshotResponse && snapshotChunk?.isLast == true { s += " index=\(index)" }
        case .readIndex:
            s += " ctx=\(Self.render(bytes: context))"
        case .readIndexResponse:
            s += reject ? " rejected" : " index=\(index)"
            s += " ctx=\(Self.render(bytes: context))"
        case .timeoutNow:
            break
        }
        return s
    }

    static func render(_ entry: LogEntry) -> String {
        let body: String
        switch entry.kind {
        case .normal: body = entry.data.isEmpty ? "noop" : render(bytes: entry.data)
        case .configChange: body = ConfChange(decoding: entry.data).map { "conf(\($0))" } ?? "conf(?)"
        }
        return "\(entry.index)@\(entry.term):\(body)"
    }

    static func render(bytes: [UInt8]) -> String {
        if bytes.allSatisfy({ $0 >= 0x21 && $0 < 0x7F }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        return "0x" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
