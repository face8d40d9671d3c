import ZNodeTree

/// The two queue recipes Paddock serves, and where each keeps its queues in the tree.
///
/// A queue named N lives at `<root>/N` (a container, so an unused queue leaves nothing
/// behind); each contender is an `ephemeral_sequential` child `<keyPrefix>NNNNNNNNNN`
/// owned by its session. The head (see `ZNodeTree.queueHead(of:)`) holds the lock or
/// leads the election.
enum RecipeKind: Sendable {
    /// `/v1/locks/{name}`: the head holds the lock.
    case lock
    /// `/v1/elections/{name}`: the head leads; its data is the leader's value.
    case election

    /// The parent of every queue of this kind (persistent, made on first use).
    var root: ZNodePath {
        switch self {
        case .lock: ZNodePath.root.appending("paddock").appending("locks")
        case .election: ZNodePath.root.appending("paddock").appending("elections")
        }
    }

    /// The first part of a contender's node name; the sequence suffix follows.
    var keyPrefix: String {
        switch self {
        case .lock: "lock-"
        case .election: "candidate-"
        }
    }

    /// The word for the recipe in messages.
    var noun: String {
        switch self {
        case .lock: "lock"
        case .election: "election"
        }
    }
}
