import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Sessions through the binary: expiry by the member's own timer removes ephemerals.
@Suite(.serialized) struct ProcessSessionTests {
    @Test func unrefreshedSessionExpiresAndItsEphemeralGoes() async throws {
        let dir = try TempDirectory("session")
        defer { dir.remove() }
        let server = try await PaddockProcess.launch(dataDir: dir.path)
        defer { server.kill() }
        let client = server.client
        // On a starved machine the 1 s TTL can run out before the create: try again with a
        // fresh session (bounded), so the test checks expiry, not scheduling.
        var sessionID: String?
        for _ in 0..<3 where sessionID == nil {
            let opened = try await client.send("POST", "/v1/sessions", json: ["ttl": "1s"])
            #expect(opened.status == 201)
            guard let id = opened.json?["id"] as? String else { break }
            let created = try await client.send(
                "POST", "/v1/nodes/lock", json: ["data": "owner", "kind": "ephemeral", "session": id])
            if created.status == 201 { sessionID = id }
        }
        let session = try #require(sessionID, "no session lived long enough to create its ephemeral")

        // Expiry is at most about one timer tick past the TTL; allow a generous bound.
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        var status = 200
        for _ in 0..<1_500 where status == 200 && ContinuousClock.now < deadline {
            status = try await client.send("GET", "/v1/nodes/lock").status
            if status == 200 { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(status == 404)
        let afterExpiry = try await client.send("POST", "/v1/sessions/\(session)/keepalive")
        #expect(afterExpiry.status == 410 || afterExpiry.status == 404)
        #expect(afterExpiry.json?["code"] as? String == "SessionExpired")
        #expect(await server.stop(signal: SIGTERM) == 0)
    }
}
