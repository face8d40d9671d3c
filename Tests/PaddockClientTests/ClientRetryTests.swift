import PaddockServer
import Testing
import ZNodeTree

@testable import PaddockClient

@Suite("Client retries and failover")
struct ClientRetryTests {
    @Test func aWriteRetriedAfterATimeoutIsAppliedOnce() async throws {
        try await LiveMember.with { member in
            // The first answer comes long after the attempt timeout; later attempts have
            // room for a slow machine.
            let proxy = try await DelayingProxy.start(backendPort: member.port, firstAnswerDelayMs: 6_000)
            var configuration = ClientConfiguration.fast
            configuration.attemptTimeoutMs = 2_000
            _ = try await withClient(["http://127.0.0.1:\(member.port)"]) { direct in
                try await direct.create("/jobs")
            }
            let created: WriteResult
            do {
                created = try await withClient(["http://127.0.0.1:\(proxy.port)"], configuration: configuration) {
                    client in
                    try await client.create("/jobs/job-", data: .utf8("once"), kind: .sequential)
                }
            } catch {
                Issue.record("the write failed after \(proxy.connectionCount) connection(s): \(error)")
                await proxy.close()
                return
            }
            #expect(proxy.connectionCount >= 2, "the first answer was delayed, so the write must have been retried")
            try await withClient([member.endpoint]) { direct in
                let listing = try await direct.children("/jobs")
                #expect(listing.names == ["job-0000000000"])
                #expect(created.path == "/jobs/job-0000000000")
                #expect(try await direct.get(created.path).string == "once")
            }
            await proxy.close()
        }
    }

    @Test func callsFailOverFromAnUnreachableEndpoint() async throws {
        try await LiveMember.with { member in
            // Port 1 on loopback has no listener: connections are refused at once.
            try await withClient(["http://127.0.0.1:1", member.endpoint]) { client in
                let written = try await client.create("/failover", data: .utf8("ok"))
                #expect(written.path == "/failover")
                #expect(try await client.get("/failover").string == "ok")
            }
        }
    }

    @Test func callsFailOverFromAMemberAnswering503() async throws {
        let unavailable = try await UnavailableServer.start()
        try await LiveMember.with { member in
            try await withClient(["http://127.0.0.1:\(unavailable.port)", member.endpoint]) { client in
                try await client.create("/after-503", data: .utf8("ok"))
                #expect(try await client.get("/after-503").string == "ok")
            }
        }
        var configuration = ClientConfiguration.fast
        configuration.callTimeoutMs = 3_000
        let client = try Client(endpoints: ["http://127.0.0.1:\(unavailable.port)"], configuration: configuration)
        do throws(PaddockError) {
            _ = try await client.get("/x")
            Issue.record("a member answering 503 served a read")
        } catch {
            // The last answer's refusal; on a machine too busy to read any answer in
            // time, a timeout.
            #expect(error.code == .unavailable || error.code == .timeout, "\(error)")
            #expect(error.message.contains("(gave up after "), "\(error)")
            if error.code == .unavailable {
                #expect(error.status == 503)
                #expect(error.message.hasPrefix("this member is not ready"), "\(error)")
            }
        }
        try await client.shutdown()
        await unavailable.close()
    }

    @Test func anUnreachableClusterIsReportedWithinTheDeadline() async throws {
        var configuration = ClientConfiguration.fast
        configuration.callTimeoutMs = 400
        let started = ContinuousClock.now
        let client = try Client(endpoints: ["127.0.0.1:1"], configuration: configuration)
        do throws(PaddockError) {
            _ = try await client.get("/x")
            Issue.record("a read from a closed port succeeded")
        } catch {
            // Refused at once, or (on a saturated machine) not even refused in time.
            #expect(error.code == .unreachable || error.code == .timeout, "\(error)")
            #expect(error.message.contains("gave up after"), "\(error)")
            #expect(error.code.isRetryable)
        }
        try await client.shutdown()
        // The deadline is 400 ms; the bound only says the call does not hang, since a
        // saturated machine can hold a task back for many seconds.
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test(arguments: ["", "ftp://x:1", "https://127.0.0.1:7180", "127.0.0.1", "http://h:0"])
    func malformedEndpointsAreRefused(endpoint: String) {
        #expect(throws: PaddockError.self) { _ = try Client(endpoints: [endpoint]) }
    }

    @Test func backoffGrowsAndStaysWithinItsBounds() {
        var generator = SystemRandomNumberGenerator()
        let configuration = ClientConfiguration()
        for round in 1...12 {
            let ceiling = min(configuration.backoffMaxMs, configuration.backoffInitialMs << (round - 1))
            let backoff = Backoff(initialMs: configuration.backoffInitialMs, maxMs: configuration.backoffMaxMs)
            let delay = backoff.delayMs(round: round, using: &generator)
            #expect(delay >= ceiling / 2 && delay <= ceiling, "round \(round): \(delay) ms")
        }
    }
}
