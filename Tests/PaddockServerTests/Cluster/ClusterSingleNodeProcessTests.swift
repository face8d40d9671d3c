import Foundation
import Testing

/// The cluster routes of a real single-node `paddock serve`, through the same requests the
/// cluster tests send, so those requests and their parsing are checked before any
/// cluster runs.
@Suite struct ClusterSingleNodeProcessTests {
    @Test func aSingleNodeIsAOneMemberClusterThatCannotChange() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paddock-single-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await PaddockProcess.launch(dataDir: directory.path)
        defer { server.kill() }
        let endpoint = ClusterHarness.Endpoint(name: "default", host: server.address.host, port: server.address.port)
        #expect(endpoint.baseURL == "http://127.0.0.1:\(server.address.port)")

        let created = try await endpoint.create("/counter", data: "0")
        #expect(created.status == 201)
        let zxid = try #require(created.zxid)
        let set = try await endpoint.set("/counter", data: "1")
        #expect(set.status == 200)
        #expect(set.version == 1)
        #expect(set.zxid == zxid + 1)
        let read = try await endpoint.read("/counter")
        #expect(read == .init(status: 200, data: "1", version: 1, zxid: zxid + 1))
        #expect(try await endpoint.read("/counter", serializable: true).data == "1")
        #expect(try await endpoint.read("/absent").status == 404)

        let status = try await endpoint.clusterStatus()
        #expect(status["self"] as? String == "default")
        #expect(status["leader"] as? String == "default")
        #expect((status["appliedIndex"] as? NSNumber)?.uint64Value == zxid + 1)
        #expect((status["commitIndex"] as? NSNumber)?.uint64Value == zxid + 1)
        #expect(try await endpoint.roles() == ["default": "leader"])

        let added = try await endpoint.client.send(
            "POST", "/v1/cluster/members", json: ["name": "n4", "peerAddress": "127.0.0.1:7193"])
        #expect(added.status == 409)
        #expect(added.json?["code"] as? String == "NotClustered")
        let badAddress = try await endpoint.client.send(
            "POST", "/v1/cluster/members", json: ["name": "n4", "peerAddress": "127.0.0.1:0"])
        #expect(badAddress.status == 400)
        let transfer = try await endpoint.client.send("POST", "/v1/cluster/transfer-leadership")
        #expect(transfer.status == 409)
        #expect(try await endpoint.roles() == ["default": "leader"])
    }
}
