/// A Raft term: a logical clock that only grows (Raft §5.1).
public struct Term: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The term number; 0 is the term before any election.
    public var rawValue: UInt64

    /// Wraps a term number.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Wraps a term number.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// The term before any election.
    public static let zero = Term(0)

    /// The term after this one.
    public var next: Term { Term(rawValue + 1) }

    /// Orders terms by number.
    public static func < (lhs: Term, rhs: Term) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The term number as text.
    public var description: String { String(rawValue) }
}

/// A position in the replicated log; the first entry has index 1, and 0 means "before the log".
public struct LogIndex: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The index number.
    public var rawValue: UInt64

    /// Wraps an index number.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Wraps an index number.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// The position before the first entry.
    public static let zero = LogIndex(0)

    /// The index after this one.
    public var next: LogIndex { LogIndex(rawValue + 1) }

    /// The index before this one; `zero` stays `zero`.
    public var previous: LogIndex { LogIndex(rawValue == 0 ? 0 : rawValue - 1) }

    /// Orders indexes by position.
    public static func < (lhs: LogIndex, rhs: LogIndex) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The index number as text.
    public var description: String { String(rawValue) }
}

/// The identity of a cluster member inside Raft; never 0.
public struct NodeID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The member number.
    public var rawValue: UInt64

    /// Wraps a member number.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Wraps a member number.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// Orders members by number, the order used wherever members are iterated.
    public static func < (lhs: NodeID, rhs: NodeID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `n3`.
    public var description: String { "n\(rawValue)" }
}

/// The state a member must persist before it answers any message (Raft Figure 2).
public struct HardState: Equatable, Sendable {
    /// The latest term this member has seen.
    public var term: Term
    /// The candidate this member voted for in `term`, if any.
    public var vote: NodeID?
    /// The highest index known committed; persisted so a restart need not re-learn it.
    public var commit: LogIndex

    /// A hard state from its parts.
    public init(term: Term = .zero, vote: NodeID? = nil, commit: LogIndex = .zero) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }
}

/// What an entry of the log carries.
public enum EntryKind: UInt8, Sendable {
    /// Application data for the state machine (an empty payload is a leader's no-op).
    case normal = 0
    /// A membership change, interpreted by Raft itself.
    case configChange = 1
}

/// One entry of the replicated log.
public struct LogEntry: Equatable, Sendable {
    /// The term of the leader that created the entry.
    public var term: Term
    /// The entry's position in the log.
    public var index: LogIndex
    /// Whether the payload is for the state machine or for Raft.
    public var kind: EntryKind
    /// The payload; opaque to Raft for `normal` entries.
    public var data: [UInt8]

    /// An entry from its parts.
    public init(term: Term, index: LogIndex, kind: EntryKind = .normal, data: [UInt8]) {
        self.term = term
        self.index = index
        self.kind = kind
        self.data = data
    }
}
