import Foundation
import PaddockStorage
import PaddockTestSupport
import Testing

@testable import PaddockServer

/// `Limits.proposalWaitMs` on a live server over a real replica whose log can be held.
@Suite struct ProposalWaitTests {
    @Test(.timeLimit(.minutes(1))) func aWriteThatDoesNotCommitInTimeIsAnswered503AndARetryGetsTheFirstResult() async throws {
        let dir = try TempDirectory("wait")
        defer { dir.remove() }
        let log = FaultyLog(store: try LogStore(directory: dir.path))
        let replica = try SingleNodeReplica.start(log: log)
        #expect(await eventually { replica.status.isReady })
        var limits = Limits()
        limits.proposalWaitMs = 200
        limits.idleTimeoutMs = 30_000
        let server = try await PaddockHTTPServer.start(host: "127.0.0.1", port: 0, replica: replica, limits: limits)
        let request =
            "POST /v1/nodes/w HTTP/1.1\r\nHost: x\r\nIdempotency-Key: k1\r\nContent-Type: application/json\r\n"
            + "Content-Length: 12\r\n\r\n{\"data\":\"v\"}"

        log.holdSaves.store(true, ordering: .sequentiallyConsistent)
        let clock = ContinuousClock()
        let started = clock.now
        let (held, _) = try await RawHTTPClient.exchange(port: server.port, request, count: 1)
        let waited = clock.now - started
        log.holdSaves.store(false, ordering: .sequentiallyConsistent)
        log.release.signal()
        #expect(await eventually { replica.status.appliedZxid.rawValue >= 2 })
        let (retried, _) = try await RawHTTPClient.exchange(port: server.port, request, count: 1)
        try await server.close()
        await replica.shutdown()

        #expect(held.map(\.status) == [503])
        #expect(held.first?.headers["retry-after"] == "1")
        #expect(held.first?.body.contains("\"code\":\"Unavailable\"") == true)
        // Far past the limit yet bounded: other suites may hold the cooperative pool (and so
        // this client) for seconds on a busy machine; without the limit it never ends.
        #expect(waited < .seconds(30))
        #expect(retried.map(\.status) == [201])
        #expect(retried.first?.headers["paddock-zxid"] == "2")
    }

    @Test(.timeLimit(.minutes(1))) func openingASessionThatDoesNotCommitInTimeIsAnswered503() async throws {
        let dir = try TempDirectory("wait-session")
        defer { dir.remove() }
        let log = FaultyLog(store: try LogStore(directory: dir.path))
        let replica = try SingleNodeReplica.start(log: log)
        #expect(await eventually { replica.status.isReady })
        var limits = Limits()
        limits.proposalWaitMs = 200
        limits.idleTimeoutMs = 30_000
        let server = try await PaddockHTTPServer.start(host: "127.0.0.1", port: 0, replica: replica, limits: limits)
        let request = "POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"

        log.holdSaves.store(true, ordering: .sequentiallyConsistent)
        let (held, _) = try await RawHTTPClient.exchange(port: server.port, request, count: 1)
        log.holdSaves.store(false, ordering: .sequentiallyConsistent)
        log.release.signal()
        // Once saves go through, opening works again; on a busy machine one attempt may
        // still miss the 200 ms wait, so a few are allowed.
        var opened: [RawResponse] = []
        for _ in 0..<10 where opened.first?.status != 201 {
            opened = try await RawHTTPClient.exchange(port: server.port, request, count: 1).responses
        }
        try await server.close()
        await replica.shutdown()

        #expect(held.map(\.status) == [503])
        #expect(held.first?.headers["retry-after"] == "1")
        #expect(opened.map(\.status) == [201])
    }
}
