/// Where a snapshot sits in the log and what membership it carries.
public struct SnapshotMetadata: Sendable, Equatable, CustomStringConvertible {
    /// The last log index the snapshot covers.
    public var index: LogIndex
    /// The term of the entry at `index`.
    public var term: Term
    /// The membership in force at `index`.
    public var membership: Membership

    /// Metadata from its parts.
    public init(index: LogIndex, term: Term, membership: Membership) {
        self.index = index
        self.term = term
        self.membership = membership
    }

    /// `index=5 term=2`.
    public var description: String { "index=\(index) term=\(term)" }
}

/// A state-machine snapshot: opaque bytes from the application plus where they sit in the log.
public struct Snapshot: Sendable, Equatable {
    /// Where the snapshot sits in the log.
    public var metadata: SnapshotMetadata
    /// The application's serialized state machine as of `metadata.index`.
    public var data: [UInt8]

    /// A snapshot from its parts.
    public init(metadata: SnapshotMetadata, data: [UInt8]) {
        self.metadata = metadata
        self.data = data
    }
}

/// One piece of an InstallSnapshot transfer (Raft §7), or, in a response, how far the
/// receiver has got.
///
/// A leader sends chunks in order, one at a time; the follower answers each with the offset
/// it expects next, so a lost or duplicated chunk costs one resend and never corrupts the
/// assembled bytes.
public struct SnapshotChunk: Sendable, Equatable {
    /// The snapshot being transferred.
    public var metadata: SnapshotMetadata
    /// Where `data` starts within the snapshot bytes (in a response: the next offset wanted).
    public var offsetBytes: Int
    /// The bytes of this chunk; empty in responses.
    public var data: [UInt8]
    /// Whether this chunk ends the snapshot (in a response: whether it was installed).
    public var isLast: Bool

    /// A chunk from its parts.
    public init(metadata: SnapshotMetadata, offsetBytes: Int, data: [UInt8], isLast: Bool) {
        self.metadata = metadata
        self.offsetBytes = offsetBytes
        self.data = data
        self.isLast = isLast
    }
}
