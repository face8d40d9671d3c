import Foundation
import NIOCore
import NIOPosix
import PaddockServer
import Testing

/// A few tests on a real server bound to 127.0.0.1 on a port the system picks.
@Suite struct HTTPLiveServerTests {
    static func withServer(
        limits: Limits = .default, replica: FakeReplica = FakeReplica(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, _ body: (Int) async throws -> Void
    ) async throws {
        var limits = limits
        // Bounds every wait of these tests, yet long enough for a client task delayed by a
        // busy machine (other suites may block the cooperative pool for seconds).
        limits.idleTimeoutMs = min(limits.idleTimeoutMs, 30_000)
        let server = try await PaddockHTTPServer.start(
            host: "127.0.0.1", port: 0, replica: replica, limits: limits, group: group)
        #expect(server.port > 0)
        do {
            try await body(server.port)
        } catch {
            try await server.close()
            throw error
        }
        try await server.close()
    }

    @Test func keepAliveAndPipelinedRequestsAnswerInOrder() async throws {
        try await Self.withServer { port in
            let requests =
                "POST /v1/nodes/p HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{\"data\":\"one\"}"
                + "GET /v1/nodes/p HTTP/1.1\r\nHost: x\r\n\r\n"
                + "PUT /v1/nodes/p?version=0 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 8\r\n\r\ndata=two"
                + "GET /v1/nodes/p HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
            let (responses, closed) = try await RawHTTPClient.exchange(port: port, requests, count: 5)
            #expect(!closed)
            #expect(responses.map(\.status) == [201, 200, 200, 200, 404])
            #expect(responses.map { $0.headers["paddock-zxid"] } == ["1", "1", "2", "2", "2"])
            #expect(responses[1].body.contains("\"data\":\"one\""))
            #expect(responses[3].body.contains("\"data\":\"two\""))
            #expect(responses[4].headers["content-type"] == "application/problem+json")
        }
    }

    /// Reads answered on the event loop nest inside pipelined deliveries up to a depth,
    /// then continue on a fresh loop turn; either way every answer comes, in order.
    @Test(arguments: [false, true])
    func longPipelineOfReadsAnswersEveryRequestInOrder(defersReads: Bool) async throws {
        let replica = FakeReplica(defersReads: defersReads)
        try await Self.withServer(replica: replica) { port in
            let create = "POST /v1/nodes/p HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"data\":\"v\"}"
            let reads = (0..<60).map { index in
                index % 3 == 2 ? "GET /v1/nodes/missing\(index) HTTP/1.1\r\nHost: x\r\n\r\n" : "GET /v1/nodes/p HTTP/1.1\r\nHost: x\r\n\r\n"
            }
            let (responses, closed) = try await RawHTTPClient.exchange(port: port, create + reads.joined(), count: 61)
            #expect(!closed)
            #expect(responses.count == 61)
            #expect(responses.first?.status == 201)
            let expected = (0..<60).map { $0 % 3 == 2 ? 404 : 200 }
            #expect(responses.dropFirst().map(\.status) == expected)
            #expect(responses.dropFirst().enumerated().allSatisfy { index, response in
                index % 3 == 2 ? response.body.contains("missing\(index)") : response.body.contains("\"data\":\"v\"")
            })
        }
    }

    @Test func oversizedBodyIsRefusedByContentLength() async throws {
        var limits = Limits()
        limits.requestBodyBytesMax = 1_000
        limits.dataBytesMax = 500
        try await Self.withServer(limits: limits) { port in
            // The whole body and a second request follow, so a server that kept the
            // connection would answer twice rather than leave the client waiting.
            let body = "{\"data\":\"" + String(repeating: "x", count: 4_989) + "\"}"
            let request = "POST /v1/nodes/big HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
                + body + "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"
            let (responses, closed) = try await RawHTTPClient.exchange(port: port, request, count: 2)
            #expect(responses.count == 1)
            #expect(responses.first?.status == 413)
            #expect(responses.first?.body.contains("\"code\":\"TooLarge\"") == true)
            #expect(responses.first?.headers["connection"] == "close")
            #expect(closed)
            let (after, _) = try await RawHTTPClient.exchange(port: port, "GET /v1/nodes/big HTTP/1.1\r\nHost: x\r\n\r\n", count: 1)
            #expect(after.first?.status == 404)
        }
    }

    @Test func oversizedHeadersAndRequestLineAreRefused() async throws {
        var limits = Limits()
        limits.requestHeaderBytesMax = 512
        limits.requestLineBytesMax = 256
        try await Self.withServer(limits: limits) { port in
            let bigHeader = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "h", count: 600))\r\n\r\n"
            let (headerResponses, _) = try await RawHTTPClient.exchange(port: port, bigHeader, count: 1)
            #expect(headerResponses.first?.status == 431)
            #expect(headerResponses.first?.body.contains("HeaderTooLarge") == true)

            let hugeHeader = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "h", count: 5_000))\r\n\r\n"
            let (hugeResponses, _) = try await RawHTTPClient.exchange(port: port, hugeHeader, count: 1)
            #expect(hugeResponses.first?.status == 431)

            let longLine = "GET /v1/nodes/\(String(repeating: "a", count: 300)) HTTP/1.1\r\nHost: x\r\n\r\n"
            let (lineResponses, _) = try await RawHTTPClient.exchange(port: port, longLine, count: 1)
            #expect(lineResponses.first?.status == 414)
            #expect(lineResponses.first?.body.contains("URITooLong") == true)

            let (ok, _) = try await RawHTTPClient.exchange(port: port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", count: 1)
            #expect(ok.first?.status == 200)
        }
    }

    @Test func malformedHTTPGetsAProblemAndTheServerKeepsServing() async throws {
        try await Self.withServer { port in
            // A valid request follows in the same write: after malformed input the server
            // closes rather than try to find where the next request starts.
            let (responses, closed) = try await RawHTTPClient.exchange(
                port: port, "NOT HTTP AT ALL\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n", count: 2)
            #expect(responses.count == 1)
            #expect(responses.first?.status == 400)
            #expect(responses.first?.body.contains("BadRequest") == true)
            #expect(closed)
            let (ok, _) = try await RawHTTPClient.exchange(port: port, "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n", count: 1)
            #expect(ok.first?.status == 200)
        }
    }

    @Test func connectionsPastTheLimitGet503() async throws {
        var limits = Limits()
        limits.connectionsMax = 1
        try await Self.withServer(limits: limits) { port in
            let held = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            try await held.executeThenClose { inbound, outbound in
                // One answered request proves the first connection holds the only slot.
                try await outbound.write(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
                var iterator = inbound.makeAsyncIterator()
                let first = try await iterator.next()
                #expect(first.map { String(buffer: $0).hasPrefix("HTTP/1.1 200") } == true)
                let (responses, closed) = try await RawHTTPClient.exchange(port: port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", count: 1)
                #expect(responses.first?.status == 503)
                #expect(responses.first?.body.contains("TooManyConnections") == true)
                #expect(closed || responses.first?.headers["connection"] == "close")
            }
        }
    }

    @Test func idleConnectionsAreClosed() async throws {
        var limits = Limits()
        limits.idleTimeoutMs = 100
        try await Self.withServer(limits: limits) { port in
            // Nothing is sent: the server closes the connection after the idle timeout.
            let (responses, closed) = try await RawHTTPClient.exchange(port: port, "", count: 1)
            #expect(responses.isEmpty)
            #expect(closed)
        }
    }
}

extension HTTPLiveServerTests {
    @Test func expectContinueGetsAnInterimAnswer() async throws {
        try await Self.withServer { port in
            let request =
                "PUT /v1/nodes HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nroot"
            let (responses, _) = try await RawHTTPClient.exchange(port: port, request, count: 2)
            #expect(responses.map(\.status) == [100, 200])
        }
    }
}

extension HTTPLiveServerTests {
    @Test func chunkedBodyPastTheLimitIsRefused() async throws {
        var limits = Limits()
        limits.requestBodyBytesMax = 100
        limits.dataBytesMax = 50
        try await Self.withServer(limits: limits) { port in
            let chunk = String(repeating: "z", count: 80)
            let request =
                "PUT /v1/nodes HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "50\r\n\(chunk)\r\n50\r\n\(chunk)\r\n0\r\n\r\n"
            let (responses, _) = try await RawHTTPClient.exchange(port: port, request, count: 1)
            #expect(responses.first?.status == 413)
            #expect(responses.first?.body.contains("TooLarge") == true)
            let (small, _) = try await RawHTTPClient.exchange(
                port: port,
                "PUT /v1/nodes HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                count: 1)
            #expect(small.first?.status == 200)
            #expect(small.first?.headers["paddock-zxid"] == "1")
        }
    }
}

extension HTTPLiveServerTests {
    @Test func closingTheServerClosesIdleKeepAliveConnections() async throws {
        let server = try await PaddockHTTPServer.start(host: "127.0.0.1", port: 0, replica: FakeReplica())
        let held = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: server.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await held.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
            var iterator = inbound.makeAsyncIterator()
            let first = try await iterator.next()
            #expect(first.map { String(buffer: $0).hasPrefix("HTTP/1.1 200") } == true)
            // The connection is idle and kept alive (default idle timeout: 60 s); closing
            // the server must close it now, which ends the inbound stream.
            try await server.close()
            let next = try await iterator.next()
            #expect(next == nil)
        }
    }
}

extension HTTPLiveServerTests {
    @Test func headGetsHeadersOnlyAndTheConnectionStaysUsable() async throws {
        try await Self.withServer { port in
            let requests = "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            let (responses, _) = try await RawHTTPClient.exchange(port: port, requests, count: 2, firstIsHead: true)
            // Had the HEAD answer carried body bytes, the second answer would not parse
            // as a status line.
            #expect(responses.map(\.status) == [405, 200])
            #expect(responses.first?.headers["allow"] == "GET")
            #expect(responses.last?.body.contains("\"status\":\"ok\"") == true)
        }
    }
}
