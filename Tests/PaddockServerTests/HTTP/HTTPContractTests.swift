import Foundation
import PaddockAPI
import PaddockServer
import Testing
import ZNodeTree

/// The server writes JSON by hand; these tests decode its answers with PaddockAPI's
/// Codable bodies, so the hand-written output and the client types cannot drift apart.
@Suite struct HTTPContractTests {
    private func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        try JSONDecoder().decode(type, from: Data(response.bodyBytes))
    }

    @Test func responsesDecodeWithTheWireTypes() async throws {
        let api = APIHarness()
        let session = try decode(SessionBody.self, await api.send(.POST, "/v1/sessions", json: #"{"ttl":"5s"}"#))
        #expect(session.ttl == 5_000)
        let sessionID = try #require(session.id)

        let request = CreateNodeRequest(data: "hi", kind: "ephemeral", session: sessionID)
        let json = String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
        let created = try decode(WrittenNodeBody.self, await api.send(.POST, "/v1/nodes/e", json: json))
        #expect(created.path == "/e")
        #expect(created.stat.stat.ephemeralOwner == sessionID.id)

        let node = try decode(NodeBody.self, await api.send(.GET, "/v1/nodes/e"))
        #expect(node.bytes == Array("hi".utf8))
        #expect(node.stat == created.stat)

        let setJSON = String(decoding: try JSONEncoder().encode(SetDataRequest(data: "aG8=", encoding: .base64, version: 0)), as: UTF8.self)
        let set = try decode(WrittenNodeBody.self, await api.send(.PUT, "/v1/nodes/e", json: setJSON))
        #expect(set.stat.stat.version == 1)

        let children = try decode(ChildrenBody.self, await api.send(.GET, "/v1/nodes?children"))
        #expect(children.children == ["e"])
        #expect(children.stats == nil)
        let withStat = try decode(ChildrenBody.self, await api.send(.GET, "/v1/nodes?children&stat"))
        #expect(withStat.stats?["e"] == set.stat)
        #expect(withStat.stat?.stat.numChildren == 1)

        let txn = TxnRequest(ops: [
            .init(op: "create", path: "/t", data: "1", kind: "ttl", ttl: 60_000),
            .init(op: "check", path: "/t", version: 0),
        ])
        let txnJSON = String(decoding: try JSONEncoder().encode(txn), as: UTF8.self)
        let results = try decode(TxnBody.self, await api.send(.POST, "/v1/txn", json: txnJSON))
        #expect(results.results.map(\.op) == ["create", "check"])
        #expect(results.results.first?.stat?.stat.ttlMs == 60_000)

        let info = try decode(SessionInfoBody.self, await api.send(.GET, "/v1/sessions/\(sessionID)"))
        #expect(info.ephemerals == ["/e"])
        let alive = try decode(KeepAliveBody.self, await api.send(.POST, "/v1/sessions/\(sessionID)/keepalive"))
        #expect(alive.remaining == 5_000)
        let closed = try decode(SessionClosedBody.self, await api.send(.DELETE, "/v1/sessions/\(sessionID)"))
        #expect(closed.deleted == ["/e"])
        let deleted = try decode(DeletedBody.self, await api.send(.DELETE, "/v1/nodes/t"))
        #expect(deleted.deleted == ["/t"])
        let health = try decode(HealthBody.self, await api.send(.GET, "/healthz"))
        #expect(health.zxid == api.replica.tree.lastApplied)
        let problem = try decode(ProblemDetails.self, await api.send(.GET, "/v1/nodes/missing"))
        #expect(problem.apiCode == .noNode)
        #expect(problem.path == "/missing")
    }
}
