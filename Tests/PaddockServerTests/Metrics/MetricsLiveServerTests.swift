import Foundation
import NIOCore
import NIOPosix
import PaddockStorage
import PaddockTestSupport
import Testing
import ZNodeTree

@testable import PaddockServer

/// `/metrics` on real servers bound to 127.0.0.1 on ports the system picks.
@Suite struct MetricsLiveServerTests {
    static let durationName = "paddock_http_request_duration_seconds"

    /// Requests of several routes and outcomes on one connection, then a scrape on it:
    /// each request is counted under its route template, method and status.
    @Test func requestsAreCountedByRouteTemplateMethodAndStatus() async throws {
        let metrics = PaddockMetrics()
        let server = try await PaddockHTTPServer.start(host: "127.0.0.1", port: 0, replica: FakeReplica(), metrics: metrics)
        let requests =
            "GET /v1/nodes/a HTTP/1.1\r\nHost: x\r\n\r\n"
            + "POST /v1/nodes/a HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"data\":\"v\"}"
            + "GET /v1/nodes/a HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /v1/nodes/a/b/c HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
            + "PUT /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
            + "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
        let exchanged = await outcome { try await RawHTTPClient.exchange(port: server.port, requests, count: 7) }
        try await server.close()
        let (responses, _) = try exchanged.get()
        #expect(responses.map(\.status) == [404, 201, 200, 404, 404, 405, 200])
        let scrape = try #require(responses.last)
        #expect(scrape.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(scrape.headers["paddock-zxid"] == "1")

        let text = try PrometheusText(parsing: scrape.body)
        let count = Self.durationName + "_count"
        #expect(text.value(count, ["route": "/v1/nodes/{path}", "method": "GET", "status": "404"]) == 2)
        #expect(text.value(count, ["route": "/v1/nodes/{path}", "method": "POST", "status": "201"]) == 1)
        #expect(text.value(count, ["route": "/v1/nodes/{path}", "method": "GET", "status": "200"]) == 1)
        #expect(text.value(count, ["route": "unmatched", "method": "GET", "status": "404"]) == 1)
        #expect(text.value(count, ["route": "unmatched", "method": "PUT", "status": "405"]) == 1)
        // Raw paths never become label values; the scrape itself is not counted yet.
        #expect(!text.samples.contains { $0.labels["route"]?.contains("/a") == true })
        #expect(text.samples.filter { $0.name == count }.count == 5)
        #expect(text.value("paddock_http_connections") == 1)
        for family in MetricsExpositionTests.families {
            #expect(text.types[family.name] == family.type, "\(family.name)")
        }
    }

    /// Open connections go up and down; connections past the limit are counted as refused.
    @Test func connectionsAreCountedOpenAndRefused() async throws {
        var limits = Limits()
        limits.connectionsMax = 1
        let metrics = PaddockMetrics()
        let server = try await PaddockHTTPServer.start(
            host: "127.0.0.1", port: 0, replica: FakeReplica(), limits: limits, metrics: metrics)
        let result = await outcome {
            let held = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: server.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            try await held.executeThenClose { inbound, outbound in
                var iterator = inbound.makeAsyncIterator()
                try await outbound.write(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
                let first = try await iterator.next()
                #expect(first.map { String(buffer: $0).hasPrefix("HTTP/1.1 200") } == true)
                let (refused, _) = try await RawHTTPClient.exchange(
                    port: server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", count: 1)
                #expect(refused.first?.status == 503)
                let text = try PrometheusText(parsing: metrics.exposition())
                #expect(text.value("paddock_http_connections") == 1)
                #expect(text.value("paddock_http_connections_refused_total") == 1)
            }
            // The held connection is closed: the gauge comes back to zero.
            let closed = await eventually(timeoutMs: 10_000) {
                (try? PrometheusText(parsing: metrics.exposition()).value("paddock_http_connections")) == 0
            }
            #expect(closed)
        }
        try await server.close()
        try result.get()
    }

    /// A server started without metrics still serves `/metrics`, from a registry of its own.
    @Test func serverWithoutGivenMetricsServesItsOwn() async throws {
        let server = try await PaddockHTTPServer.start(host: "127.0.0.1", port: 0, replica: FakeReplica())
        let requests = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
        let exchanged = await outcome { try await RawHTTPClient.exchange(port: server.port, requests, count: 2) }
        try await server.close()
        let (responses, _) = try exchanged.get()
        #expect(responses.map(\.status) == [200, 200])
        let text = try PrometheusText(parsing: try #require(responses.last).body)
        #expect(text.value(Self.durationName + "_count", ["route": "/healthz", "method": "GET", "status": "200"]) == 1)
    }

    /// A single-node member wired as `paddock serve` wires it: log transactions, proposals
    /// and the sampled replica state all show.
    @Test func singleNodeReplicaReportsFsyncProposalsAndState() async throws {
        let directory = try TempDirectory("metrics")
        defer { directory.remove() }
        let metrics = PaddockMetrics()
        let replica = try SingleNodeReplica.start(directory: directory.path, metrics: metrics)
        let server: PaddockHTTPServer
        do {
            server = try await PaddockHTTPServer.start(
                host: "127.0.0.1", port: 0, replica: InstrumentedReplica(replica, metrics: metrics), metrics: metrics)
        } catch {
            await replica.shutdown()
            throw error
        }
        let create = "POST /v1/nodes/a HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"data\":\"v\"}"
        let requests = create + create + "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
        let exchanged = await outcome { try await RawHTTPClient.exchange(port: server.port, requests, count: 3) }
        try await server.close()
        await replica.shutdown()
        let (responses, _) = try exchanged.get()
        #expect(responses.map(\.status) == [201, 409, 200])
        let scrape = try #require(responses.last)
        let text = try PrometheusText(parsing: scrape.body)

        // The start-of-run no-op and the create each took at least one transaction (the
        // failed create too: a domain failure is logged and applied).
        let fsyncs = try #require(text.value("paddock_fsync_duration_seconds_count"))
        #expect(fsyncs >= 2)
        #expect(try #require(text.value("paddock_fsync_duration_seconds_sum")) > 0)
        #expect(text.value("paddock_append_batch_entries_count") == fsyncs)
        #expect(text.value("paddock_append_batch_entries_sum") == 3)
        #expect(text.value("paddock_proposals_total", ["result": "committed"]) == 1)
        #expect(text.value("paddock_proposals_total", ["result": "failed"]) == 1)
        #expect(text.value("paddock_proposals_total", ["result": "refused"]) == 0)
        #expect(text.value("paddock_raft_role", ["role": "single"]) == 1)
        #expect(text.value("paddock_raft_role", ["role": "leader"]) == 0)
        #expect(text.value("paddock_raft_term") == 1)
        #expect(text.value("paddock_raft_applied_index") == 3)
        #expect(text.value("paddock_raft_commit_index") == 3)
        #expect(scrape.headers["paddock-zxid"] == "3")
        #expect(text.value("paddock_znodes") == 2)
        #expect(text.value("paddock_sessions") == 0)
    }

    /// Proposals the member refuses count as `refused`.
    @Test func refusedProposalsAreCounted() async throws {
        let metrics = PaddockMetrics()
        let fake = FakeReplica()
        let replica = InstrumentedReplica(fake, metrics: metrics)
        _ = try await replica.propose(.create(CreateOp(path: try ZNodePath(validating: "/a"), data: [], kind: .persistent, session: nil, ttlMs: nil, createParents: false)), idempotencyKey: nil)
        fake.fail(with: ReplicaError(code: .unavailable, message: "overloaded"))
        await #expect(throws: ReplicaError.self) { try await replica.openSession(ttlMs: 10_000) }
        let text = try PrometheusText(parsing: metrics.exposition())
        #expect(text.value("paddock_proposals_total", ["result": "committed"]) == 1)
        #expect(text.value("paddock_proposals_total", ["result": "refused"]) == 1)
        #expect(text.value("paddock_proposals_total", ["result": "failed"]) == 0)
    }
}

/// The outcome of `body`, so a server can be closed before a failure is rethrown.
private func outcome<Success>(_ body: () async throws -> Success) async -> Result<Success, any Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}
