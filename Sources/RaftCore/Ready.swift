/// Everything a node asks its driver to do, collected since the last `advance`.
///
/// The persistence contract. A driver takes a `Ready` from `RaftNode.ready()` and then, in
/// this order of durability:
///
/// 1. Persists `snapshot` (if any), then `entries` (deleting first every stored entry whose
///    index is at least `entries.first.index`, since a new leader may overwrite a suffix),
///    then `hardState` (if any), and waits until all of it is durable (fsync). Storing
///    `snapshot` deletes every stored entry at or below its index, and every entry above it
///    as well unless the stored entry at its index has the snapshot's term (Raft §7).
/// 2. Sends `messages` at any time, even before or during step 1: they come from a leader
///    replicating its log, and the leader counts its own copy of an entry toward a quorum
///    only after `advance` says that copy is durable (thesis §10.2.1).
/// 3. Sends `messagesAfterPersist` only after step 1: they promise durable state (a vote, an
///    acknowledged append, an installed snapshot, a term bumped by a candidate).
/// 4. Installs `snapshot` into the state machine, then applies `committedEntries` in order.
///    Empty `normal` entries are a new leader's no-op and `configChange` entries are already
///    interpreted by Raft; both still advance the applied index.
/// 5. Serves `readStates`: a read may answer once the state machine has applied `index`.
/// 6. Calls `RaftNode.advance(_:)` with this value.
///
/// Invariant: every committed entry handed out is also durable on this node, and entries are
/// handed out exactly once, in index order, after any snapshot that precedes them.
///
/// The node may be stepped and ticked between `ready()` and `advance(_:)` (while the disk
/// write is under way); what that produces comes out in the next `Ready`.
public struct Ready: Sendable, Equatable {
    /// The hard state to persist, or nil when it has not changed.
    public var hardState: HardState?
    /// Entries to append to stable storage, contiguous and in index order.
    public var entries: [LogEntry]
    /// A snapshot received from the leader, to persist and install; nil when none.
    public var snapshot: Snapshot?
    /// Messages that may be sent right away.
    public var messages: [Message]
    /// Messages that may be sent only once `hardState`, `entries` and `snapshot` are durable.
    public var messagesAfterPersist: [Message]
    /// Committed entries to apply to the state machine, in index order.
    public var committedEntries: [LogEntry]
    /// Linearizable reads that became ready to serve.
    public var readStates: [ReadState]
    /// The role and leader after this batch, or nil when neither changed.
    public var softState: SoftState?

    /// An empty batch.
    public init(
        hardState: HardState? = nil, entries: [LogEntry] = [], snapshot: Snapshot? = nil,
        messages: [Message] = [], messagesAfterPersist: [Message] = [],
        committedEntries: [LogEntry] = [], readStates: [ReadState] = [], softState: SoftState? = nil
    ) {
        self.hardState = hardState
        self.entries = entries
        self.snapshot = snapshot
        self.messages = messages
        self.messagesAfterPersist = messagesAfterPersist
        self.committedEntries = committedEntries
        self.readStates = readStates
        self.softState = softState
    }

    /// Whether the batch asks for nothing at all.
    public var isEmpty: Bool {
        hardState == nil && entries.isEmpty && snapshot == nil && messages.isEmpty
            && messagesAfterPersist.isEmpty && committedEntries.isEmpty && readStates.isEmpty
            && softState == nil
    }
}

/// The volatile view of a node that a driver usually wants to watch.
public struct SoftState: Sendable, Equatable {
    /// The node's role.
    public var role: RaftRole
    /// The leader this node knows, if any.
    public var leader: NodeID?

    /// A soft state from its parts.
    public init(role: RaftRole, leader: NodeID?) {
        self.role = role
        self.leader = leader
    }
}

/// The roles of a Raft member.
public enum RaftRole: String, Sendable, Equatable {
    /// Follows a leader, or waits for one.
    case follower
    /// Asks whether it could win before starting a real election (thesis §9.6).
    case preCandidate
    /// Runs an election in its current term (Raft §5.2).
    case candidate
    /// Replicates its log and decides commits (Raft §5.3).
    case leader
}

/// A linearizable read that may be served once the state machine has applied `index`.
public struct ReadState: Sendable, Equatable {
    /// The commit index at the moment leadership was confirmed for this read.
    public var index: LogIndex
    /// The identifier the application passed to `RaftNode.readIndex(context:)`.
    public var context: [UInt8]

    /// A read state from its parts.
    public init(index: LogIndex, context: [UInt8]) {
        self.index = index
        self.context = context
    }
}

/// What a node restarts from: what its storage held when it stopped.
public struct PersistentState: Sendable, Equatable {
    /// The last durable hard state.
    public var hardState: HardState
    /// The last durable snapshot; the state machine restarts from it, so it is also the
    /// applied index at restart.
    public var snapshot: Snapshot?
    /// The durable log entries after the snapshot, contiguous and in index order.
    public var entries: [LogEntry]

    /// The state of a brand-new member: nothing stored.
    public init(hardState: HardState = HardState(), snapshot: Snapshot? = nil, entries: [LogEntry] = []) {
        self.hardState = hardState
        self.snapshot = snapshot
        self.entries = entries
    }
}

/// The position of an entry in the log: its term and index identify it uniquely (Raft §5.3).
public struct EntryPosition: Sendable, Hashable, CustomStringConvertible {
    /// The entry's term.
    public var term: Term
    /// The entry's index.
    public var index: LogIndex

    /// A position from its parts.
    public init(term: Term, index: LogIndex) {
        self.term = term
        self.index = index
    }

    /// `5@2`.
    public var description: String { "\(index)@\(term)" }
}
