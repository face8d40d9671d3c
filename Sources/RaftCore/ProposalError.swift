/// Why a node refused a proposal, read request, membership change or transfer.
///
/// These are expected outcomes of a live cluster (no leader yet, a transfer under way), not
/// bugs: the caller retries later or elsewhere.
public struct ProposalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reason, stable for callers to switch on.
    public enum Code: String, Sendable, Equatable {
        /// This node is not the leader; `leader` names the one it knows, if any.
        case notLeader
        /// No leader is known, so the request cannot be forwarded.
        case noLeader
        /// A leadership transfer is under way; proposals wait until it ends.
        case transferInProgress
        /// The leader holds too many uncommitted bytes (`RaftConfig.uncommittedBytesMax`).
        case uncommittedBytesExceeded
        /// A membership change is still uncommitted; Raft applies one at a time.
        case configChangePending
        /// The leader has not yet committed an entry of its term.
        case leaderNotReady
        /// The membership change does not apply to the current membership.
        case invalidConfChange
        /// The transfer target is not a voter, or is this node.
        case invalidTransferTarget
        /// This node has been removed from the group.
        case removed
    }

    /// The reason.
    public var code: Code
    /// A sentence for logs and operators.
    public var message: String
    /// The leader this node knows, so the caller can redirect.
    public var leader: NodeID?

    /// An error from its parts.
    public init(code: Code, message: String, leader: NodeID? = nil) {
        self.code = code
        self.message = message
        self.leader = leader
    }

    /// `notLeader: ... (leader n2)`.
    public var description: String {
        "\(code.rawValue): \(message)" + (leader.map { " (leader \($0))" } ?? "")
    }
}
