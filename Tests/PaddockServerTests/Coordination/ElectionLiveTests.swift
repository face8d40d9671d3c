import Foundation
import PaddockAPI
import Testing
import ZNodeTree

@testable import PaddockServer

/// Elections against a live single-node member.
@Suite struct ElectionLiveTests {
    @Test func sessionExpiryRemovesTheLeaderWakesTheNextAndObserversSeeIt() async throws {
        try await WatchServerFixture.with { fixture in
            let client = CoordinationClient(port: fixture.port)
            let observer = try await SSEClient.open(port: fixture.port, "/v1/elections/svc/observe")
            let first = await observer.events(1)
            #expect(first.first?.event == "no-leader")

            // A short session that is never kept alive leads; a long one waits behind it.
            // (Short, yet long enough to outlive a busy machine's first requests: under the
            // whole suite two logged writes in a row have taken over 4 s.)
            let doomed = try await client.openSession(ttlMs: 8_000)
            let steady = try await client.openSession(ttlMs: 30_000)
            let leading = try await client.send(
                "POST", "/v1/elections/svc/campaign", json: "{\"session\":\"\(doomed)\",\"value\":\"10.0.0.1\"}")
            #expect(leading.status == 200)
            #expect(leading.bool("leader") == true)
            #expect(leading.string("value") == "10.0.0.1")
            let doomedToken = try #require(leading.int("token"))

            let shown = try await client.send("GET", "/v1/elections/svc")
            #expect(shown.json?["leader"]?["value"] == .string("10.0.0.1"))
            #expect(shown.int("candidates") == 1)

            let clock = ContinuousClock()
            let started = clock.now
            let next = try await client.send(
                "POST", "/v1/elections/svc/campaign",
                json: "{\"session\":\"\(steady)\",\"value\":\"10.0.0.2\",\"wait\":\"40s\"}")
            // Woken by the expiry, not by the deadline.
            #expect(clock.now - started < .seconds(30))
            #expect(next.bool("leader") == true)
            #expect(next.string("value") == "10.0.0.2")
            let steadyToken = try #require(next.int("token"))
            #expect(steadyToken > doomedToken)

            // The session and its node are gone.
            let session = try await client.send("GET", "/v1/sessions/\(doomed)")
            #expect(session.status == 410)

            let events = await observer.wait { received in
                received.events.contains { $0.json?["value"] == .string("10.0.0.2") }
            }.events
            let leaders = events.filter { $0.event == "leader" }.compactMap { $0.json?["value"] }
            #expect(leaders == [.string("10.0.0.1"), .string("10.0.0.2")])
            #expect(events.filter { $0.event == "leader" }.compactMap { $0.json?["token"]?.int64Value }
                == [doomedToken, steadyToken])
            await observer.close()
        }
    }

    @Test func proclaimWhileLeadingResignHandsOverAndAStaleKeyCannotProclaim() async throws {
        try await WatchServerFixture.with { fixture in
            let client = CoordinationClient(port: fixture.port)
            let a = try await client.openSession(ttlMs: 30_000)
            let b = try await client.openSession(ttlMs: 30_000)
            let leading = try await client.send("POST", "/v1/elections/db/campaign", json: "{\"session\":\"\(a)\",\"value\":\"one\"}")
            let aKey = try #require(leading.string("key"))
            let waiting = try await client.send("POST", "/v1/elections/db/campaign", json: "{\"session\":\"\(b)\",\"value\":\"two\"}")
            #expect(waiting.bool("leader") == false)
            #expect(waiting.int("position") == 1)
            let bKey = try #require(waiting.string("key"))

            let observer = try await SSEClient.open(port: fixture.port, "/v1/elections/db/observe")
            #expect(await observer.events(1).first?.json?["value"] == .string("one"))

            let proclaimed = try await client.send(
                "POST", "/v1/elections/db/proclaim", json: "{\"session\":\"\(a)\",\"key\":\"\(aKey)\",\"value\":\"uno\"}")
            #expect(proclaimed.status == 200, "\(proclaimed.body)")
            #expect(proclaimed.string("value") == "uno")

            // b is not leading: its proclaim is fenced out, and another session's key is refused.
            let notLeading = try await client.send(
                "POST", "/v1/elections/db/proclaim", json: "{\"session\":\"\(b)\",\"key\":\"\(bKey)\",\"value\":\"dos\"}")
            #expect(notLeading.status == 409)
            #expect(notLeading.code == "FenceMismatch")
            let foreign = try await client.send(
                "POST", "/v1/elections/db/proclaim", json: "{\"session\":\"\(b)\",\"key\":\"\(aKey)\",\"value\":\"x\"}")
            #expect(foreign.status == 400)
            #expect(foreign.code == "BadArguments")

            let resigned = try await client.send("POST", "/v1/elections/db/resign", json: "{\"session\":\"\(a)\",\"key\":\"\(aKey)\"}")
            #expect(resigned.status == 200)
            let shown = try await client.send("GET", "/v1/elections/db")
            #expect(shown.json?["leader"]?["key"] == .string(bKey))
            #expect(shown.json?["leader"]?["value"] == .string("two"))

            let events = await observer.wait { $0.events.count >= 3 }.events
            #expect(events.map(\.event) == ["leader", "leader", "leader"])
            #expect(events.compactMap { $0.json?["value"] } == [.string("one"), .string("uno"), .string("two")])

            // The last candidate resigns: observers hear that nobody leads.
            _ = try await client.send("POST", "/v1/elections/db/resign", json: "{\"session\":\"\(b)\",\"key\":\"\(bKey)\"}")
            let ended = await observer.wait { $0.events.count >= 4 }.events
            #expect(ended.last?.event == "no-leader")
            let none = try await client.send("GET", "/v1/elections/db")
            #expect(none.json?["leader"] == .null)
            #expect(none.int("candidates") == 0)
            await observer.close()
        }
    }
}
