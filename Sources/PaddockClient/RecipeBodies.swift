import PaddockAPI
import ZNodeTree

/// `POST /v1/locks/{name}` and `POST /v1/elections/{name}/campaign`: who joins, for how
/// long to wait, and (elections) the candidate's value.
struct QueueJoinRequest: Encodable {
    var session: WireSessionID
    /// A duration such as `1500ms`.
    var wait: String
    var value: String?
}

/// `POST /v1/elections/{name}/proclaim` and `.../resign`.
struct CandidateRequest: Encodable {
    var session: WireSessionID
    var key: String
    var value: String?
}

/// The answer of an acquire or a campaign: `held` (locks) or `leader` (elections) says
/// whether the contender is at the head; `token` comes with the head, `position` without.
struct StandingBody: Decodable {
    var held: Bool?
    var leader: Bool?
    var name: String
    var key: String
    var path: String
    var session: WireSessionID?
    var token: UInt64?
    var position: Int?
    var value: String?
    /// The answer's `Paddock-Zxid` (not in the body).
    var zxid: Zxid?

    private enum CodingKeys: String, CodingKey {
        case held, leader, name, key, path, session, token, position, value
    }

    /// Whether the contender is at the head.
    var isHead: Bool { held ?? leader ?? false }
}

/// One contender in `GET /v1/locks/{name}`.
struct ContenderBody: Decodable {
    var key: String
    var session: WireSessionID?
    var token: UInt64

    var contender: QueueContender {
        QueueContender(key: key, session: session?.id, token: FencingToken(rawValue: token))
    }
}

/// `GET /v1/locks/{name}`.
struct LockStatusBody: Decodable {
    var name: String
    var holder: ContenderBody?
    var queue: [ContenderBody]
}

/// The data of an `observe` stream's `leader` event.
struct LeaderEventBody: Decodable {
    var key: String
    var session: WireSessionID?
    var token: UInt64
    var value: String?
    var encoding: String?
}
