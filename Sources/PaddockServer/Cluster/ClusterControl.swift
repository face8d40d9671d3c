import RaftCore
import ZNodeTree

/// What the HTTP API needs from a replicated member beyond `ReplicaService`: the state of
/// the cluster, membership changes and leadership transfer.
///
/// Members are named by the operator (`n1`, `n2`...); `MemberName.nodeID` maps a name to
/// the Raft node id. A single-node member has no `ClusterControl`, and the cluster routes
/// answer as a one-member cluster that cannot change.
public protocol ClusterControl: Sendable {
    /// Members, roles, leader, term, commit and applied index, and (when this member leads)
    /// each follower's match index and lag. Answered from this member's knowledge, without
    /// contacting others.
    func clusterStatus() -> ClusterStatus

    /// Adds `name` as a learner (non-voting; receives the log) reachable for peers at
    /// `peerAddress` (`host:port`). Passed to the leader when this member does not lead.
    /// Returns once the change is committed.
    /// - Throws: `ClusterError` (`.notLeader` without a leader after the wait,
    ///   `.badRequest` for a name or address in use or a change already in progress).
    func addLearner(name: MemberName, peerAddress: String) async throws(ClusterError) -> ClusterStatus

    /// Promotes the learner `name` to a voter. Returns once the change is committed.
    /// - Throws: `ClusterError` (`.notFound` for an unknown member, `.badRequest` for a
    ///   voter or a learner that has not caught up).
    func promote(name: MemberName) async throws(ClusterError) -> ClusterStatus

    /// Removes the member `name` (voter or learner). Returns once the change is committed.
    /// - Throws: `ClusterError` (`.notFound`, `.badRequest` for the last voter).
    func remove(name: MemberName) async throws(ClusterError) -> ClusterStatus

    /// Transfers leadership to `name`, or to the most caught-up voter when nil. Returns
    /// once a new leader is known (or throws after the wait).
    /// - Throws: `ClusterError` (`.notFound`, `.unavailable` when the transfer did not
    ///   finish in time).
    func transferLeadership(to name: MemberName?) async throws(ClusterError) -> ClusterStatus
}

/// An operator-given member name: 1 to 64 characters of `[A-Za-z0-9._-]`.
public struct MemberName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The name as given.
    public let rawValue: String

    /// The name, or nil when it is empty, longer than 64 bytes or uses other characters.
    public init?(_ rawValue: String) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= 64,
            rawValue.utf8.allSatisfy({ byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2E || byte == 0x5F || byte == 0x2D
            })
        else { return nil }
        self.rawValue = rawValue
    }

    /// The Raft node id of this name: 64-bit FNV-1a of its bytes (never 0).
    ///
    /// Why a hash: every member derives the same id from the name alone, so no id has to
    /// be handed out; a collision between two names of one cluster is refused when the
    /// member is added.
    public var nodeID: NodeID {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in rawValue.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return NodeID(hash == 0 ? 1 : hash)
    }

    public var description: String { rawValue }

    public static func < (lhs: MemberName, rhs: MemberName) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The cluster as one member sees it.
public struct ClusterStatus: Sendable, Equatable {
    /// The operator-given cluster id every member shares.
    public var clusterID: String
    /// The member answering.
    public var selfName: MemberName
    /// The current leader, if known.
    public var leader: MemberName?
    /// This member's current term.
    public var term: Term
    /// This member's commit index.
    public var commitIndex: LogIndex
    /// This member's applied index.
    public var appliedIndex: LogIndex
    /// Every member, sorted by name.
    public var members: [MemberStatus]

    /// A status from its parts.
    public init(
        clusterID: String, selfName: MemberName, leader: MemberName?, term: Term,
        commitIndex: LogIndex, appliedIndex: LogIndex, members: [MemberStatus]
    ) {
        self.clusterID = clusterID
        self.selfName = selfName
        self.leader = leader
        self.term = term
        self.commitIndex = commitIndex
        self.appliedIndex = appliedIndex
        self.members = members
    }
}

/// One member in a `ClusterStatus`.
public struct MemberStatus: Sendable, Equatable {
    /// How a member takes part.
    public enum Role: String, Sendable, Equatable {
        /// The voter that currently leads.
        case leader
        /// A voter that does not lead.
        case follower
        /// A non-voting member that receives the log.
        case learner
    }

    /// The member's name.
    public var name: MemberName
    /// Its role.
    public var role: Role
    /// Where peers reach it (`host:port`).
    public var peerAddress: String
    /// Its HTTP address (`host:port`) once it told it, else nil.
    public var httpAddress: String?
    /// The highest index known replicated on it (reported by the leader only).
    public var matchIndex: LogIndex?
    /// How far behind the leader's last index it is, in entries (leader only).
    public var lagEntries: UInt64?

    /// A member from its parts.
    public init(
        name: MemberName, role: Role, peerAddress: String, httpAddress: String?,
        matchIndex: LogIndex?, lagEntries: UInt64?
    ) {
        self.name = name
        self.role = role
        self.peerAddress = peerAddress
        self.httpAddress = httpAddress
        self.matchIndex = matchIndex
        self.lagEntries = lagEntries
    }
}

/// Why a membership or leadership request was not done.
public struct ClusterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable codes, mapped to HTTP statuses and problem codes.
    public enum Code: String, Sendable, Equatable {
        /// Malformed or conflicting request (400 `BadRequest`).
        case badRequest
        /// No such member (404 `NoMember`).
        case notFound
        /// No leader known within the wait, or the change did not finish in time (503
        /// `Unavailable`, with `Retry-After`).
        case unavailable
        /// This member is a single node without peers (409 `NotClustered`).
        case notClustered
    }

    /// What kind of error.
    public var code: Code
    /// A human sentence.
    public var message: String

    /// An error from its parts.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
