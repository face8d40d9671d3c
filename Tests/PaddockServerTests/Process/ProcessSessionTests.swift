import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Sessions through the binary: expiry by the member's own timer removes ephemerals.
@Suite(.serialized) struct ProcessSessionTests {
    @Test func unrefreshedSessionExpiresAndItsEphemeralGoes() throws {
        let dir = try TempDirectory("session")
        defer { dir.remove() }
        let server = try PaddockProcess(dataDir: dir.path)
        defer { server.kill() }
        let client = server.client
        let opened = try client.request("POST", "/v1/sessions", json: ["ttl": "1s"])
        let session = opened.json?["id"] as? String
        #expect(opened.status == 201)
        let sessionID = try #require(session)
        let created = try client.request(
            "POST", "/v1/nodes/lock", json: ["data": "owner", "kind": "ephemeral", "session": sessionID])
        #expect(created.status == 201)
        let kept = try client.request("POST", "/v1/sessions/\(sessionID)/keepalive")
        #expect(kept.status == 200)

        // Expiry is at most about one timer tick past the TTL; allow a generous bound.
        let deadline = Date().addingTimeInterval(10)
        var status = 200
        for _ in 0..<1_000 where status == 200 && Date() < deadline {
            status = try client.request("GET", "/v1/nodes/lock").status
            if status == 200 { usleep(20_000) }
        }
        #expect(status == 404)
        let afterExpiry = try client.request("POST", "/v1/sessions/\(sessionID)/keepalive")
        #expect(afterExpiry.status == 410 || afterExpiry.status == 404)
        #expect(afterExpiry.json?["code"] as? String == "SessionExpired")
        #expect(server.stop(signal: SIGTERM) == 0)
    }
}
