import RaftCore

/// A snapshot of the state machine as Raft knows it: the last index and term it covers, the
/// membership at that point, and the state machine's bytes.
///
/// Storage compresses `data` on the way to disk and inflates it on the way back; callers
/// always see the uncompressed bytes.
public struct SnapshotRecord: Equatable, Sendable {
    /// The last log index whose effect is contained in `data`.
    public var index: LogIndex
    /// The term of the entry at `index`.
    public var term: Term
    /// Opaque membership bytes from Raft, stored as given.
    public var configuration: [UInt8]
    /// The state machine's bytes, uncompressed.
    public var data: [UInt8]

    /// A snapshot from its parts.
    public init(index: LogIndex, term: Term, configuration: [UInt8], data: [UInt8]) {
        self.index = index
        self.term = term
        self.configuration = configuration
        self.data = data
    }
}
