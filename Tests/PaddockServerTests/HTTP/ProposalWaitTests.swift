import Foundation
import PaddockStorage
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
        #expect(waited < .seconds(5))
        #expect(retried.map(\.status) == [201])
        #expect(retried.first?.headers["paddock-zxid"] == "2")
    }
}
