/// How a znode lives and is named, as chosen at creation.
///
/// The raw values are the names used in the API and in the binary codec's tables.
public enum NodeKind: String, Sendable, CaseIterable {
    /// Lives until deleted.
    case persistent
    /// Bound to a session: deleted when the session closes or expires; has no children.
    case ephemeral
    /// Persistent, with a 10-digit per-parent counter appended to its name.
    case sequential
    /// Ephemeral, with a 10-digit per-parent counter appended to its name.
    case ephemeralSequential = "ephemeral_sequential"
    /// Persistent, deleted when its last child goes (only once it has had a child).
    case container
    /// Persistent, deleted once it has had no change and no children for its TTL.
    case ttl

    /// Whether the node belongs to a session.
    public var isEphemeral: Bool { self == .ephemeral || self == .ephemeralSequential }

    /// Whether the created name gets the sequence suffix.
    public var isSequential: Bool { self == .sequential || self == .ephemeralSequential }
}
