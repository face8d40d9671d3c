import RaftCore

/// The cluster as one member sees it (`GET /v1/cluster`).
public struct ClusterInfo: Sendable, Equatable, Decodable {
    /// The cluster id every member shares.
    public var clusterID: String
    /// The member that answered.
    public var selfName: String
    /// The leader as that member knows it, or nil while none is known.
    public var leader: String?
    /// That member's current term.
    public var term: Term
    /// That member's commit index.
    public var commitIndex: LogIndex
    /// That member's applied index.
    public var appliedIndex: LogIndex
    /// Every member, sorted by name.
    public var members: [ClusterMember]

    private enum Keys: String, CodingKey {
        case clusterId, `self`, leader, term, commitIndex, appliedIndex, members
    }

    /// Decodes the API's `ClusterStatus` object.
    ///
    /// - Throws: `DecodingError` for a missing key or a wrong type.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        clusterID = try container.decode(String.self, forKey: .clusterId)
        selfName = try container.decode(String.self, forKey: .`self`)
        leader = try container.decodeIfPresent(String.self, forKey: .leader)
        term = Term(try container.decode(UInt64.self, forKey: .term))
        commitIndex = LogIndex(try container.decode(UInt64.self, forKey: .commitIndex))
        appliedIndex = LogIndex(try container.decode(UInt64.self, forKey: .appliedIndex))
        members = try container.decode([ClusterMember].self, forKey: .members)
    }
}

/// One member in a `ClusterInfo`.
public struct ClusterMember: Sendable, Equatable, Decodable {
    /// The member's name.
    public var name: String
    /// `leader`, `follower` or `learner`.
    public var role: String
    /// Where peers reach it (`host:port`); nil on a single node.
    public var peerAddress: String?
    /// Its HTTP address once it told it.
    public var httpAddress: String?
    /// The highest index known replicated on it (only from the leader).
    public var matchIndex: LogIndex?
    /// How many entries it is behind the leader (only from the leader).
    public var lagEntries: UInt64?

    private enum Keys: String, CodingKey { case name, role, peerAddress, httpAddress, matchIndex, lag }

    /// Decodes the API's `ClusterMember` object.
    ///
    /// - Throws: `DecodingError` for a missing key or a wrong type.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        name = try container.decode(String.self, forKey: .name)
        role = try container.decode(String.self, forKey: .role)
        peerAddress = try container.decodeIfPresent(String.self, forKey: .peerAddress)
        httpAddress = try container.decodeIfPresent(String.self, forKey: .httpAddress)
        matchIndex = try container.decodeIfPresent(UInt64.self, forKey: .matchIndex).map { LogIndex($0) }
        lagEntries = try container.decodeIfPresent(UInt64.self, forKey: .lag)
    }
}
