import PaddockAPI

/// How a member starts in a cluster: who it is, where its peers are, whether it is new.
///
/// Built from `paddock serve --id n1 --peers n1=127.0.0.1:7190,n2=...` by `parse`, which
/// is pure so every rule is tested without a process. `peers` lists every member this one
/// knows at start, itself included (its own entry is where it listens for peers).
///
/// Invariants (checked by `parse`): `peers[selfName] == selfPeerAddress.description`;
/// names, node ids (`MemberName.nodeID`) and addresses in `peers` are unique; a joining
/// member knows at least one other member; `electionTimeoutMs >= 5 * heartbeatIntervalMs`.
public struct ClusterBootstrap: Sendable, Equatable {
    /// The cluster id every member shares; a peer stating another id is refused.
    public var clusterID: String
    /// This member's name.
    public var selfName: MemberName
    /// Where this member listens for peers (its own `--peers` entry).
    public var selfPeerAddress: PeerAddress
    /// Every member named in `--peers` and its peer address (`host:port`, normalised).
    public var peers: [MemberName: String]
    /// True for a new member (`--join`): it does not found the membership from `peers`,
    /// it waits to be added as a learner by an existing member, and `peers` names the
    /// members to contact (plus itself).
    public var joining: Bool
    /// The election timeout in ms (randomised by Raft between it and twice it).
    public var electionTimeoutMs: Int
    /// The leader's heartbeat interval in ms; also the tick of the Raft clock.
    public var heartbeatIntervalMs: Int

    /// The cluster id when `--cluster-id` is not given.
    public static let defaultClusterID = "paddock"
    /// The election timeout when `--election-timeout-ms` is not given.
    public static let defaultElectionTimeoutMs = 1_000
    /// The heartbeat interval when `--heartbeat-interval-ms` is not given.
    public static let defaultHeartbeatIntervalMs = 100
    /// The largest election timeout accepted, in ms: past it a dead leader goes unnoticed
    /// for longer than any client would wait.
    public static let electionTimeoutMsMax = 60_000
    /// How many heartbeats at least fit in one election timeout, so one lost heartbeat
    /// does not start an election.
    public static let heartbeatsPerElectionMin = 5

    /// A bootstrap from its parts; use `parse` for operator input.
    public init(
        clusterID: String, selfName: MemberName, selfPeerAddress: PeerAddress, peers: [MemberName: String],
        joining: Bool, electionTimeoutMs: Int, heartbeatIntervalMs: Int
    ) {
        self.clusterID = clusterID
        self.selfName = selfName
        self.selfPeerAddress = selfPeerAddress
        self.peers = peers
        self.joining = joining
        self.electionTimeoutMs = electionTimeoutMs
        self.heartbeatIntervalMs = heartbeatIntervalMs
    }

    /// The members other than this one, sorted by name.
    public var otherMembers: [(name: MemberName, peerAddress: String)] {
        peers.keys.sorted().filter { $0 != selfName }.map { ($0, peers[$0] ?? "") }
    }

    /// Reads the cluster flags of `paddock serve`.
    ///
    /// - Parameters:
    ///   - id: `--id`, this member's name.
    ///   - peers: `--peers`, `name=host:port` entries separated by commas.
    ///   - clusterID: `--cluster-id`; nil for the default.
    ///   - join: `--join`.
    /// - Returns: nil when neither `--id` nor `--peers` is given (a single node), as
    ///   long as no other cluster flag is given either.
    /// - Throws: `ClusterBootstrapError` naming the flag and what is wrong.
    public static func parse(
        id: String?, peers: String?, clusterID: String? = nil, join: Bool = false,
        electionTimeoutMs: Int = defaultElectionTimeoutMs, heartbeatIntervalMs: Int = defaultHeartbeatIntervalMs
    ) throws(ClusterBootstrapError) -> ClusterBootstrap? {
        guard let id, let peers else {
            if id != nil { throw ClusterBootstrapError(flag: "--id", message: "needs --peers (this member among them)") }
            if peers != nil { throw ClusterBootstrapError(flag: "--peers", message: "needs --id (which entry is this member)") }
            if join { throw ClusterBootstrapError(flag: "--join", message: "needs --id and --peers") }
            if clusterID != nil { throw ClusterBootstrapError(flag: "--cluster-id", message: "needs --id and --peers") }
            return nil
        }
        let clusterID = clusterID ?? defaultClusterID
        guard MemberName(clusterID) != nil else {
            throw ClusterBootstrapError(
                flag: "--cluster-id", message: "\"\(clusterID)\" is not 1 to 64 characters of A-Z a-z 0-9 . _ -")
        }
        guard let selfName = MemberName(id) else {
            throw ClusterBootstrapError(flag: "--id", message: "\"\(id)\" is not 1 to 64 characters of A-Z a-z 0-9 . _ -")
        }
        let members = try parsePeers(peers)
        guard let selfAddress = members[selfName] else {
            let names = members.keys.sorted().map(\.rawValue).joined(separator: ", ")
            throw ClusterBootstrapError(flag: "--peers", message: "does not name this member \(selfName) (it names \(names))")
        }
        if join, members.count < 2 {
            throw ClusterBootstrapError(
                flag: "--join", message: "--peers must name at least one existing member besides \(selfName) to contact")
        }
        guard heartbeatIntervalMs >= 1 else {
            throw ClusterBootstrapError(flag: "--heartbeat-interval-ms", message: "must be at least 1, got \(heartbeatIntervalMs)")
        }
        let electionMin = heartbeatIntervalMs * heartbeatsPerElectionMin
        guard electionTimeoutMs >= electionMin, electionTimeoutMs <= electionTimeoutMsMax else {
            throw ClusterBootstrapError(
                flag: "--election-timeout-ms",
                message: "must be between \(heartbeatsPerElectionMin) heartbeat intervals (\(electionMin)) "
                    + "and \(electionTimeoutMsMax), got \(electionTimeoutMs)")
        }
        return ClusterBootstrap(
            clusterID: clusterID, selfName: selfName, selfPeerAddress: selfAddress,
            peers: members.mapValues(\.description), joining: join,
            electionTimeoutMs: electionTimeoutMs, heartbeatIntervalMs: heartbeatIntervalMs)
    }

    /// Parses `name=host:port[,name=host:port...]`, refusing empty entries and any name,
    /// node id or address given twice.
    static func parsePeers(_ text: String) throws(ClusterBootstrapError) -> [MemberName: PeerAddress] {
        var members: [MemberName: PeerAddress] = [:]
        var addresses: [PeerAddress: MemberName] = [:]
        var nodeIDs: [UInt64: MemberName] = [:]
        let entries = text.split(separator: ",", omittingEmptySubsequences: false)
        for (position, rawEntry) in entries.enumerated() {
            let entry = rawEntry.trimmingASCIISpaces()
            guard let equals = entry.firstIndex(of: "=") else {
                throw ClusterBootstrapError(flag: "--peers", message: "entry \(position + 1) \"\(entry)\" is not NAME=HOST:PORT")
            }
            let nameText = String(entry[..<equals])
            guard let name = MemberName(nameText) else {
                throw ClusterBootstrapError(
                    flag: "--peers", message: "\"\(nameText)\" is not a member name (1 to 64 of A-Z a-z 0-9 . _ -)")
            }
            let address: PeerAddress
            do throws(PeerAddressError) {
                address = try PeerAddress(parsing: String(entry[entry.index(after: equals)...]))
            } catch {
                throw ClusterBootstrapError(flag: "--peers", message: "member \(name): \(error.message)")
            }
            guard members[name] == nil else {
                throw ClusterBootstrapError(flag: "--peers", message: "member \(name) is named twice")
            }
            if let other = nodeIDs[name.nodeID.rawValue] {
                throw ClusterBootstrapError(
                    flag: "--peers", message: "members \(other) and \(name) have the same node id; rename one")
            }
            if let other = addresses[address] {
                throw ClusterBootstrapError(flag: "--peers", message: "members \(other) and \(name) share the address \(address)")
            }
            members[name] = address
            addresses[address] = name
            nodeIDs[name.nodeID.rawValue] = name
        }
        return members
    }
}

/// Why the cluster flags of `paddock serve` cannot be used, naming the flag.
public struct ClusterBootstrapError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The flag at fault, as typed (`--peers`).
    public var flag: String
    /// What is wrong with it.
    public var message: String

    /// An error from its parts.
    public init(flag: String, message: String) {
        self.flag = flag
        self.message = message
    }

    /// `--flag: message`, one line for the operator.
    public var description: String { "\(flag): \(message)" }
}

extension Substring {
    /// The text without leading and trailing ASCII spaces and tabs.
    fileprivate func trimmingASCIISpaces() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
