import Foundation
import PaddockServer
import Testing

/// A request whose bytes stop arriving is answered 408 and its connection closed.
@Suite struct IdleRequestTests {
    @Test(.timeLimit(.minutes(1))) func aBodyThatStopsArrivingGets408AndTheConnectionCloses() async throws {
        var limits = Limits()
        limits.idleTimeoutMs = 100
        try await HTTPLiveServerTests.withServer(limits: limits) { port in
            let partial =
                "POST /v1/nodes/p HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{\"d"
            let clock = ContinuousClock()
            var responses: [RawResponse] = []
            var waited = Duration.zero
            // A client task held back past the 100 ms limit before it writes finds its idle
            // connection closed (a reset); only then is the attempt repeated, at most thrice.
            for _ in 0..<3 where responses.isEmpty {
                let started = clock.now
                responses = (try? await RawHTTPClient.exchange(port: port, partial, count: 2))?.responses ?? []
                waited = clock.now - started
            }
            #expect(responses.map(\.status) == [408])
            #expect(responses.first?.body.contains("RequestTimeout") == true)
            #expect(responses.first?.headers["connection"] == "close")
            // Far past the limit yet bounded: other suites may hold the cooperative pool (and so
            // this client) for seconds on a busy machine; without the limit it never ends.
            #expect(waited < .seconds(30))
        }
    }
}
