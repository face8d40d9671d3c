import NIOHTTP1
import Synchronization
import RaftCore
import Testing
import ZNodeTree

@testable import PaddockServer

/// `PaddockMetrics` on its own: names, types, help, values, order, and the text format.
@Suite struct MetricsExpositionTests {
    static let families: [(name: String, type: String)] = [
        ("paddock_append_batch_entries", "histogram"),
        ("paddock_fsync_duration_seconds", "histogram"),
        ("paddock_http_connections", "gauge"),
        ("paddock_http_connections_refused_total", "counter"),
        ("paddock_proposals_total", "counter"),
        ("paddock_raft_applied_index", "gauge"),
        ("paddock_raft_commit_index", "gauge"),
        ("paddock_raft_role", "gauge"),
        ("paddock_raft_term", "gauge"),
        ("paddock_sessions", "gauge"),
        ("paddock_watchers", "gauge"),
        ("paddock_znodes", "gauge"),
    ]

    @Test func freshMetricsListEveryFamilyWithHelpAndTypeInNameOrder() throws {
        let text = try PrometheusText(parsing: PaddockMetrics().exposition())
        for family in Self.families {
            #expect(text.types[family.name] == family.type, "\(family.name)")
            #expect(text.help[family.name]?.isEmpty == false, "\(family.name) has no help")
        }
        #expect(text.familyOrder == text.familyOrder.sorted())
        #expect(text.familyOrder == Self.families.map(\.name))
        for result in ProposalResult.allCases {
            #expect(text.value("paddock_proposals_total", ["result": result.rawValue]) == 0)
        }
        #expect(text.value("paddock_fsync_duration_seconds_count") == 0)
        #expect(text.value("paddock_watchers") == 0)
    }

    @Test func recordedValuesAppearInTheirSeries() throws {
        let metrics = PaddockMetrics()
        metrics.recordFsync(.microseconds(700))
        metrics.recordFsync(.milliseconds(30))
        metrics.recordAppendBatch(entries: 1)
        metrics.recordAppendBatch(entries: 100)
        metrics.recordProposal(result: .committed)
        metrics.recordProposal(result: .committed)
        metrics.recordProposal(result: .failed)
        metrics.recordProposal(result: .refused)
        metrics.setWatchers(7)
        metrics.setSampler {
            RaftSample(term: Term(3), role: .follower, commitIndex: LogIndex(42), appliedIndex: LogIndex(40), sessions: 5, znodes: 9)
        }
        let text = try PrometheusText(parsing: metrics.exposition())
        #expect(text.value("paddock_fsync_duration_seconds_count") == 2)
        #expect(text.value("paddock_fsync_duration_seconds_bucket", ["le": "0.0005"]) == 0)
        #expect(text.value("paddock_fsync_duration_seconds_bucket", ["le": "0.001"]) == 1)
        #expect(text.value("paddock_fsync_duration_seconds_bucket", ["le": "0.05"]) == 2)
        let fsyncSum = try #require(text.value("paddock_fsync_duration_seconds_sum"))
        #expect(abs(fsyncSum - 0.0307) < 1e-9)
        #expect(text.value("paddock_append_batch_entries_count") == 2)
        #expect(text.value("paddock_append_batch_entries_sum") == 101)
        #expect(text.value("paddock_append_batch_entries_bucket", ["le": "64.0"]) == 1)
        #expect(text.value("paddock_append_batch_entries_bucket", ["le": "128.0"]) == 2)
        #expect(text.value("paddock_proposals_total", ["result": "committed"]) == 2)
        #expect(text.value("paddock_proposals_total", ["result": "failed"]) == 1)
        #expect(text.value("paddock_proposals_total", ["result": "refused"]) == 1)
        #expect(text.value("paddock_watchers") == 7)
        #expect(text.value("paddock_raft_term") == 3)
        #expect(text.value("paddock_raft_commit_index") == 42)
        #expect(text.value("paddock_raft_applied_index") == 40)
        #expect(text.value("paddock_sessions") == 5)
        #expect(text.value("paddock_znodes") == 9)
        for role in MemberRole.allCases {
            #expect(text.value("paddock_raft_role", ["role": role.rawValue]) == (role == .follower ? 1 : 0), "\(role)")
        }
    }

    /// The sampler runs at every scrape, so a role change shows at the next one.
    @Test func sampledGaugesFollowTheSamplerAtEachScrape() throws {
        let metrics = PaddockMetrics()
        let role = Mutex(MemberRole.candidate)
        metrics.setSampler {
            RaftSample(term: Term(2), role: role.withLock { $0 }, commitIndex: .zero, appliedIndex: .zero, sessions: 0, znodes: 1)
        }
        let first = try PrometheusText(parsing: metrics.exposition())
        #expect(first.value("paddock_raft_role", ["role": "candidate"]) == 1)
        role.withLock { $0 = .leader }
        let second = try PrometheusText(parsing: metrics.exposition())
        #expect(second.value("paddock_raft_role", ["role": "candidate"]) == 0)
        #expect(second.value("paddock_raft_role", ["role": "leader"]) == 1)
    }

    /// Two scrapes with nothing recorded between them are the same text, whatever order
    /// the registry keeps its series in.
    @Test func expositionIsStableBetweenScrapes() {
        let metrics = PaddockMetrics()
        var timers = HTTPRequestTimers(metrics: metrics, routes: PaddockRoutes.routes)
        for (route, status) in [(4, 200), (0, 404), (4, 201), (1, 500), (4, 404)] {
            timers.record(route: route, method: .GET, status: HTTPResponseStatus(statusCode: status), nanoseconds: 1_000)
        }
        #expect(metrics.exposition() == metrics.exposition())
    }

    @Test func requestSeriesUseRouteTemplatesAndBoundedMethods() throws {
        let metrics = PaddockMetrics()
        let routes = PaddockRoutes.routes
        let getNode = try #require(routes.firstIndex { $0.method == .GET && $0.template == "/v1/nodes/{path}" })
        var timers = HTTPRequestTimers(metrics: metrics, routes: routes)
        timers.record(route: getNode, method: .GET, status: .ok, nanoseconds: 2_000_000)
        timers.record(route: getNode, method: .GET, status: .ok, nanoseconds: 3_000_000)
        timers.record(route: getNode, method: .GET, status: .notFound, nanoseconds: 50_000)
        timers.record(route: nil, method: .RAW(value: "BREW"), status: .methodNotAllowed, nanoseconds: 10)
        timers.record(route: nil, method: .PROPFIND, status: .methodNotAllowed, nanoseconds: 10)
        timers.record(route: nil, method: nil, status: .badRequest, nanoseconds: 0)
        timers.record(route: nil, method: .DELETE, status: .notFound, nanoseconds: 10)
        // A second connection's cache finds the same series.
        var other = HTTPRequestTimers(metrics: metrics, routes: routes)
        other.record(route: getNode, method: .GET, status: .ok, nanoseconds: 1_000_000)

        let text = try PrometheusText(parsing: metrics.exposition())
        let name = "paddock_http_request_duration_seconds"
        #expect(text.types[name] == "histogram")
        #expect(text.value(name + "_count", ["route": "/v1/nodes/{path}", "method": "GET", "status": "200"]) == 3)
        let sum = try #require(text.value(name + "_sum", ["route": "/v1/nodes/{path}", "method": "GET", "status": "200"]))
        #expect(abs(sum - 0.006) < 1e-9)
        #expect(text.value(name + "_count", ["route": "/v1/nodes/{path}", "method": "GET", "status": "404"]) == 1)
        #expect(text.value(name + "_count", ["route": "unmatched", "method": "other", "status": "405"]) == 2)
        #expect(text.value(name + "_count", ["route": "unmatched", "method": "other", "status": "400"]) == 1)
        #expect(text.value(name + "_count", ["route": "unmatched", "method": "DELETE", "status": "404"]) == 1)
        let series = Set(text.samples.filter { $0.name == name + "_count" }.map { $0.labels })
        #expect(series.count == 5)
    }

    /// The reordering keeps each histogram series whole and in bucket order.
    @Test func reorderingKeepsHistogramSeriesTogether() {
        let registryText = """
            # TYPE b_seconds histogram
            b_seconds_bucket{k="z",le="1.0"} 1
            b_seconds_bucket{k="z",le="+Inf"} 1
            b_seconds_sum{k="z"} 0.5
            b_seconds_count{k="z"} 1
            b_seconds_bucket{k="a",le="1.0"} 0
            b_seconds_bucket{k="a",le="+Inf"} 2
            b_seconds_sum{k="a"} 4.0
            b_seconds_count{k="a"} 2
            # TYPE a_total counter
            a_total{r="y"} 2
            a_total{r="x"} 1

            """
        let ordered = ExpositionText.ordered(registryText, help: ["a_total": "Things."])
        #expect(
            ordered == """
                # HELP a_total Things.
                # TYPE a_total counter
                a_total{r="x"} 1
                a_total{r="y"} 2
                # TYPE b_seconds histogram
                b_seconds_bucket{k="a",le="1.0"} 0
                b_seconds_bucket{k="a",le="+Inf"} 2
                b_seconds_sum{k="a"} 4.0
                b_seconds_count{k="a"} 2
                b_seconds_bucket{k="z",le="1.0"} 1
                b_seconds_bucket{k="z",le="+Inf"} 1
                b_seconds_sum{k="z"} 0.5
                b_seconds_count{k="z"} 1

                """)
    }

    /// The checker itself refuses what a scraper would.
    @Test(arguments: [
        "metric 1",  // no TYPE
        "# TYPE m gauge\nm{a=\"1\" 2\n",  // unclosed labels
        "# TYPE m gauge\nm{a=1} 2\n",  // unquoted value
        "# TYPE m gauge\nm two\n",  // not a number
        "# TYPE m gauge\n# TYPE m gauge\nm 1\n",  // TYPE twice
        "# TYPE m gauge\nm 1\n# TYPE n gauge\nn 1\nm 2\n",  // family split
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",  // not cumulative
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",  // +Inf != count
    ])
    func checkerRejectsMalformedText(text: String) {
        let input = text.hasSuffix("\n") ? text : text + "\n"
        #expect(throws: PrometheusText.FormatError.self) { try PrometheusText(parsing: input) }
    }
}
