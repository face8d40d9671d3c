import NIOHTTP1
import PaddockAPI
import PaddockServer
import RaftCore
import Testing

/// `/v1/cluster` on a single node and on a cluster (a `FakeCluster`), through the responder.
@Suite struct ClusterRoutesTests {
    /// The `members` array of a cluster answer.
    static func members(_ response: TestResponse) -> [JSONValue] {
        guard case .array(let members)? = response.json?["members"] else { return [] }
        return members
    }

    /// A string member of `value`.
    static func text(_ value: JSONValue?, _ key: String) -> String? {
        guard case .string(let text)? = value?[key] else { return nil }
        return text
    }

    @Test func singleNodeAnswersAsOneMemberItLeads() async {
        let api = APIHarness()
        _ = await api.send(.POST, "/v1/nodes/a", json: #"{"data":"x"}"#)
        _ = await api.send(.POST, "/v1/nodes/b", json: #"{"data":"y"}"#)
        let response = await api.send(.GET, "/v1/cluster")
        #expect(response.status == 200)
        #expect(response.string("clusterId") == "paddock")
        #expect(response.string("self") == "default")
        #expect(response.string("leader") == "default")
        #expect(response.json?["term"]?.int64Value == 1)
        #expect(response.json?["commitIndex"]?.int64Value == 2)
        #expect(response.json?["appliedIndex"]?.int64Value == 2)
        #expect(response.zxid == 2)
        let members = Self.members(response)
        #expect(members.count == 1)
        #expect(Self.text(members.first, "name") == "default")
        #expect(Self.text(members.first, "role") == "leader")
        #expect(members.first?["peerAddress"] == .null)
        #expect(members.first?["httpAddress"] == .null)
        #expect(members.first?["matchIndex"]?.int64Value == 2)
        #expect(members.first?["lag"]?.int64Value == 0)
    }

    @Test(arguments: [
        ("POST", "/v1/cluster/members", #"{"name":"n4","peerAddress":"127.0.0.1:7193"}"#),
        ("POST", "/v1/cluster/members/n2/promote", ""),
        ("DELETE", "/v1/cluster/members/n2", ""),
        ("POST", "/v1/cluster/transfer-leadership", ""),
        ("POST", "/v1/cluster/transfer-leadership", #"{"to":"n2"}"#),
    ])
    func singleNodeRefusesChangesAsNotClustered(method: String, target: String, body: String) async {
        let api = APIHarness()
        let response = await api.send(.init(rawValue: method), target, json: body.isEmpty ? nil : body)
        #expect(response.status == 409)
        #expect(response.code == "NotClustered")
        #expect(api.replica.proposalCount == 0)
    }

    @Test func clusterStatusListsMembersSortedWithTheirNumbers() async {
        let cluster = FakeCluster()
        let api = APIHarness(cluster: cluster)
        let response = await api.send(.GET, "/v1/cluster")
        #expect(response.status == 200)
        #expect(response.string("clusterId") == "test-cluster")
        #expect(response.string("self") == "n1")
        #expect(response.string("leader") == "n1")
        #expect(response.json?["term"]?.int64Value == 4)
        #expect(response.json?["commitIndex"]?.int64Value == 17)
        #expect(response.json?["appliedIndex"]?.int64Value == 16)
        #expect(response.zxid == 16)
        let members = Self.members(response)
        #expect(members.map { Self.text($0, "name") } == ["n1", "n2", "n3"])
        #expect(members.map { Self.text($0, "role") } == ["leader", "follower", "follower"])
        #expect(members.map { Self.text($0, "peerAddress") } == ["127.0.0.1:7190", "127.0.0.1:7191", "127.0.0.1:7192"])
        #expect(members.map { Self.text($0, "httpAddress") } == ["127.0.0.1:7180", "127.0.0.1:7181", "127.0.0.1:7182"])
        #expect(members.map { $0["matchIndex"]?.int64Value } == [17, 16, 15])
        #expect(members.map { $0["lag"]?.int64Value } == [0, 1, 2])
        let keys = members.first.flatMap { value -> [String]? in
            guard case .object(let fields) = value else { return nil }
            return fields.map(\.key)
        }
        #expect(keys == ["name", "role", "peerAddress", "httpAddress", "matchIndex", "lag"])
    }

    @Test func addPromoteRemoveAndTransfer() async {
        let cluster = FakeCluster()
        let api = APIHarness(cluster: cluster)
        let added = await api.send(.POST, "/v1/cluster/members", json: #"{"name":"n4","peerAddress":"127.0.0.1:7193"}"#)
        #expect(added.status == 201)
        #expect(Self.members(added).map { Self.text($0, "role") } == ["leader", "follower", "follower", "learner"])
        #expect(Self.members(added).last?["matchIndex"] == .null)

        let promoted = await api.send(.POST, "/v1/cluster/members/n4/promote")
        #expect(promoted.status == 200)
        #expect(Self.text(Self.members(promoted).last, "role") == "follower")

        let removed = await api.send(.DELETE, "/v1/cluster/members/n3")
        #expect(removed.status == 200)
        #expect(Self.members(removed).map { Self.text($0, "name") } == ["n1", "n2", "n4"])

        let transferred = await api.send(.POST, "/v1/cluster/transfer-leadership", json: #"{"to":"n4"}"#)
        #expect(transferred.status == 200)
        #expect(transferred.string("leader") == "n4")
        #expect(transferred.json?["term"]?.int64Value == 5)

        let anyVoter = await api.send(.POST, "/v1/cluster/transfer-leadership")
        #expect(anyVoter.status == 200)
        #expect(anyVoter.string("leader") == "n2")
        #expect(cluster.calls == ["add n4 127.0.0.1:7193", "promote n4", "remove n3", "transfer n4", "transfer -"])
    }

    @Test func addressesAreNormalisedBeforeTheClusterSeesThem() async {
        let cluster = FakeCluster()
        let api = APIHarness(cluster: cluster)
        let added = await api.send(.POST, "/v1/cluster/members", json: #"{"name":"n6","peerAddress":"[::1]:7195"}"#)
        #expect(added.status == 201)
        #expect(cluster.calls == ["add n6 [::1]:7195"])
    }

    @Test(arguments: [
        ("POST", "/v1/cluster/members", #"{"name":"n4"}"#, "peerAddress"),
        ("POST", "/v1/cluster/members", #"{"peerAddress":"127.0.0.1:7193"}"#, "name"),
        ("POST", "/v1/cluster/members", #"{"name":"n 4","peerAddress":"127.0.0.1:7193"}"#, "member name"),
        ("POST", "/v1/cluster/members", #"{"name":"","peerAddress":"127.0.0.1:7193"}"#, "member name"),
        ("POST", "/v1/cluster/members", #"{"name":"n4","peerAddress":"127.0.0.1"}"#, "HOST:PORT"),
        ("POST", "/v1/cluster/members", #"{"name":"n4","peerAddress":"127.0.0.1:0"}"#, "1...65535"),
        ("POST", "/v1/cluster/members", #"{"name":"n4","peerAddress":"127.0.0.1:65536"}"#, "1...65535"),
        ("POST", "/v1/cluster/members", #"{"name":"n4","peerAddress":":7193"}"#, "empty"),
        ("POST", "/v1/cluster/members", #"{"name":"n4","peerAddress":"::1:7193"}"#, "brackets"),
        ("POST", "/v1/cluster/members", #"{"name":"n4","peerAddress":"127.0.0.1:7193","role":"voter"}"#, "unknown field"),
        ("POST", "/v1/cluster/members", #"{"name":4,"peerAddress":"127.0.0.1:7193"}"#, "string"),
        ("POST", "/v1/cluster/members", #"["n4"]"#, "JSON object"),
        ("POST", "/v1/cluster/members?force", #"{"name":"n4","peerAddress":"127.0.0.1:7193"}"#, "query"),
        ("POST", "/v1/cluster/members/n%20/promote", "", "member name"),
        ("POST", "/v1/cluster/members/n2/promote", #"{"now":true}"#, "unknown field"),
        ("DELETE", "/v1/cluster/members/bad*name", "", "member name"),
        ("POST", "/v1/cluster/transfer-leadership", #"{"to":"n/2"}"#, "member name"),
        ("POST", "/v1/cluster/transfer-leadership", #"{"target":"n2"}"#, "unknown field"),
        ("GET", "/v1/cluster?verbose", "", "query"),
    ])
    func badRequestsChangeNothing(method: String, target: String, body: String, detailPart: String) async {
        let cluster = FakeCluster()
        let api = APIHarness(cluster: cluster)
        let before = cluster.clusterStatus()
        let response = await api.send(.init(rawValue: method), target, json: body.isEmpty ? nil : body)
        #expect(response.status == 400)
        #expect(response.code == "BadRequest")
        #expect(response.string("detail")?.contains(detailPart) == true, "\(response.string("detail") ?? "")")
        #expect(cluster.calls == [])
        #expect(cluster.clusterStatus() == before)
    }

    @Test(arguments: [
        (ClusterError.Code.badRequest, 400, "BadRequest"),
        (.notFound, 404, "NoMember"),
        (.unavailable, 503, "Unavailable"),
        (.notClustered, 409, "NotClustered"),
    ])
    func clusterErrorsMapToOneStatusAndCode(code: ClusterError.Code, status: Int, name: String) async {
        let cluster = FakeCluster()
        cluster.fail(with: ClusterError(code: code, message: "the reason"))
        let api = APIHarness(cluster: cluster)
        let response = await api.send(.POST, "/v1/cluster/members/n2/promote")
        #expect(response.status == status)
        #expect(response.code == name)
        #expect(response.string("detail") == "the reason")
        #expect(response.headers.first(name: "Content-Type") == "application/problem+json")
        #expect(response.headers.first(name: "Retry-After") == (code == .unavailable ? "1" : nil))
    }

    @Test func unknownMemberIsNoMember() async {
        let api = APIHarness(cluster: FakeCluster())
        let removed = await api.send(.DELETE, "/v1/cluster/members/n9")
        #expect(removed.status == 404)
        #expect(removed.code == "NoMember")
        let promoted = await api.send(.POST, "/v1/cluster/members/n2/promote")
        #expect(promoted.status == 400)
        #expect(promoted.code == "BadRequest")
    }

    @Test func wrongMethodsAreRefusedWithAllow() async {
        let api = APIHarness(cluster: FakeCluster())
        let response = await api.send(.PUT, "/v1/cluster/members/n2")
        #expect(response.status == 405)
        #expect(response.headers.first(name: "Allow") == "DELETE")
    }
}
