import Foundation
import NIOPosix
import PaddockServer
import Testing

/// A request whose bytes stop arriving is answered 408 and its connection closed.
@Suite struct IdleRequestTests {
    @Test(.timeLimit(.minutes(1))) func aBodyThatStopsArrivingGets408AndTheConnectionCloses() async throws {
        var limits = Limits()
        limits.idleTimeoutMs = 300
        // The server and the client run on event loops of their own: on the shared loops,
        // other suites' servers could hold a loop past the idle limit between the accept and
        // the first read, and the server would then (rightly) close a connection that had
        // sent nothing yet.
        let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        try await HTTPLiveServerTests.withServer(limits: limits, group: serverGroup) { port in
            let partial =
                "POST /v1/nodes/p HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{\"d"
            let clock = ContinuousClock()
            var responses: [RawResponse] = []
            var waited = Duration.zero
            // A machine that stalls a thread past the limit between the accept and the first
            // read makes the server close a silent connection; only then is the attempt
            // repeated, at most five times.
            for _ in 0..<5 where responses.isEmpty {
                let started = clock.now
                responses =
                    (try? await RawHTTPClient.exchange(port: port, partial, count: 2, group: clientGroup))?.responses
                    ?? []
                waited = clock.now - started
            }
            #expect(responses.map(\.status) == [408])
            #expect(responses.first?.body.contains("RequestTimeout") == true)
            #expect(responses.first?.headers["connection"] == "close")
            // Far past the limit yet bounded: without the limit the exchange never ends.
            #expect(waited < .seconds(30))
        }
        try await serverGroup.shutdownGracefully()
        try await clientGroup.shutdownGracefully()
    }
}
