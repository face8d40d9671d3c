/// The members of a Raft group: voters decide elections and commits; learners only receive
/// the log.
///
/// Invariants: both lists are sorted and free of duplicates, and no member is in both. The
/// sorted form keeps every iteration over members deterministic.
public struct Membership: Sendable, Equatable, CustomStringConvertible {
    /// The voting members, sorted.
    public private(set) var voters: [NodeID]
    /// The non-voting members, sorted.
    public private(set) var learners: [NodeID]

    /// A membership from its parts; duplicates are removed and a member listed as both
    /// voter and learner is a voter.
    public init(voters: [NodeID], learners: [NodeID] = []) {
        let voterList = Array(Set(voters)).sorted()
        let voterSet = Set(voterList)
        self.voters = voterList
        self.learners = Array(Set(learners).subtracting(voterSet)).sorted()
    }

    /// Every member, voters and learners, sorted.
    public var members: [NodeID] { (voters + learners).sorted() }

    /// The number of voters that makes a majority.
    public var quorum: Int { voters.count / 2 + 1 }

    /// Whether `id` votes.
    public func isVoter(_ id: NodeID) -> Bool { voters.contains(id) }

    /// Whether `id` is a learner.
    public func isLearner(_ id: NodeID) -> Bool { learners.contains(id) }

    /// Whether `id` is a member at all.
    public func contains(_ id: NodeID) -> Bool { isVoter(id) || isLearner(id) }

    /// The membership after `change`, or nil when the change does not apply to this
    /// membership (adding an existing member, promoting a non-learner, removing a stranger,
    /// or removing the last voter).
    public func applying(_ change: ConfChange) -> Membership? {
        switch change {
        case .addLearner(let id):
            guard !contains(id) else { return nil }
            return Membership(voters: voters, learners: learners + [id])
        case .promoteLearner(let id):
            guard isLearner(id) else { return nil }
            return Membership(voters: voters + [id], learners: learners.filter { $0 != id })
        case .remove(let id):
            guard contains(id) else { return nil }
            let remaining = voters.filter { $0 != id }
            guard !remaining.isEmpty else { return nil }
            return Membership(voters: remaining, learners: learners.filter { $0 != id })
        }
    }

    /// `voters=[n1,n2] learners=[n3]`.
    public var description: String {
        "voters=[\(voters.map(\.description).joined(separator: ","))]"
            + (learners.isEmpty ? "" : " learners=[\(learners.map(\.description).joined(separator: ","))]")
    }
}

/// One membership change; Raft applies at most one at a time (thesis §4.1).
public enum ConfChange: Sendable, Equatable, CustomStringConvertible {
    /// Adds a non-voting member that receives the log.
    case addLearner(NodeID)
    /// Makes a learner a voter; do this once the learner has caught up.
    case promoteLearner(NodeID)
    /// Removes a voter or learner. A removed leader steps down once the change commits.
    case remove(NodeID)

    /// The member the change is about.
    public var node: NodeID {
        switch self {
        case .addLearner(let id), .promoteLearner(let id), .remove(let id): return id
        }
    }

    /// The payload of the `configChange` log entry carrying this change: one kind byte,
    /// then the member number as 8 little-endian bytes.
    public var encoded: [UInt8] {
        let kind: UInt8
        switch self {
        case .addLearner: kind = 1
        case .promoteLearner: kind = 2
        case .remove: kind = 3
        }
        var bytes = [kind]
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: node.rawValue >> UInt64(shift))) }
        return bytes
    }

    /// Decodes a `configChange` entry payload; nil when it is malformed.
    public init?(decoding bytes: [UInt8]) {
        guard bytes.count == 9 else { return nil }
        var raw: UInt64 = 0
        for i in 0..<8 { raw |= UInt64(bytes[1 + i]) << UInt64(8 * i) }
        guard raw != 0 else { return nil }
        let id = NodeID(raw)
        switch bytes[0] {
        case 1: self = .addLearner(id)
        case 2: self = .promoteLearner(id)
        case 3: self = .remove(id)
        default: return nil
        }
    }

    /// `add-learner n4`.
    public var description: String {
        switch self {
        case .addLearner(let id): return "add-learner \(id)"
        case .promoteLearner(let id): return "promote \(id)"
        case .remove(let id): return "remove \(id)"
        }
    }
}
