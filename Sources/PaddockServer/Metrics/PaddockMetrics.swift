import Metrics
import Prometheus
import RaftCore
import Synchronization

/// The metrics of one Paddock member, exposed as Prometheus text at `GET /metrics`.
///
/// One value per member process (tests make one per server). It owns a
/// `PrometheusCollectorRegistry` and makes every handle through a
/// `PrometheusMetricsFactory` on that registry, passed explicitly to the swift-metrics
/// initialisers. Why not `MetricsSystem.bootstrap`: that is global and may be called once
/// per process, while tests run many members in one process, each with its own numbers.
///
/// What records what:
/// - the replica's log writer: `recordFsync(_:)` and `recordAppendBatch(entries:)` once
///   per log transaction (`InstrumentedReplicaLog` does it for a `ReplicaLog`);
/// - the proposal path: `recordProposal(result:)` once per proposal
///   (`InstrumentedReplica` does it for any `ReplicaService`; a replica that calls it
///   itself must not also be wrapped);
/// - the replica owner: `setSampler(_:)`, read once per scrape for term, role, indexes,
///   sessions and znodes;
/// - the watch hub: `setWatchers(_:)`;
/// - the HTTP server: request durations by route template, and open connections.
///
/// Every method is safe from any thread. docs/metrics.md lists each metric.
public final class PaddockMetrics: Sendable {
    /// The registry holding every metric of this member.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics factory on `registry`, with Paddock's histogram buckets; code that
    /// adds its own metrics passes it as `factory:` to swift-metrics initialisers.
    public let factory: PrometheusMetricsFactory

    private let raftTerm: Metrics.Gauge
    private let raftRoles: [(role: MemberRole, gauge: Metrics.Gauge)]
    private let raftCommitIndex: Metrics.Gauge
    private let raftAppliedIndex: Metrics.Gauge
    private let sessions: Metrics.Gauge
    private let znodes: Metrics.Gauge
    private let watchers: Metrics.Gauge
    private let proposalsCommitted: Metrics.Counter
    private let proposalsFailed: Metrics.Counter
    private let proposalsRefused: Metrics.Counter
    private let fsyncDuration: Metrics.Timer
    private let appendBatchEntries: Metrics.Recorder
    /// Open HTTP connections; the HTTP handler moves it up and down.
    let httpConnections: Metrics.Meter
    /// Connections refused past `Limits.connectionsMax`.
    private let httpConnectionsRefused: Metrics.Counter

    private let sampler = Mutex<(@Sendable () -> RaftSample)?>(nil)
    private let watcherSource = Mutex<(@Sendable () -> Int)?>(nil)
    /// Request timers by series, made on first use; connections cache them (see
    /// `HTTPRequestTimers`), so this lock is taken once per series and connection.
    private let requestTimers = Mutex<[RequestSeries: Metrics.Timer]>([:])
    /// Serializes scrapes: each sets the sampled gauges, then reads the registry.
    private let scrapeLock = Mutex<Void>(())

    /// A fresh registry with every Paddock metric registered (at zero).
    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            Names.fsyncDuration: Buckets.fsyncDuration,
            Names.httpRequestDuration: Buckets.httpRequestDuration,
        ]
        factory.valueHistogramBuckets = [Names.appendBatchEntries: Buckets.appendBatchEntries]
        self.registry = registry
        self.factory = factory

        raftTerm = Metrics.Gauge(label: Names.raftTerm, factory: factory)
        raftRoles = MemberRole.allCases.map { role in
            (role, Metrics.Gauge(label: Names.raftRole, dimensions: [("role", role.rawValue)], factory: factory))
        }
        raftCommitIndex = Metrics.Gauge(label: Names.raftCommitIndex, factory: factory)
        raftAppliedIndex = Metrics.Gauge(label: Names.raftAppliedIndex, factory: factory)
        sessions = Metrics.Gauge(label: Names.sessions, factory: factory)
        znodes = Metrics.Gauge(label: Names.znodes, factory: factory)
        watchers = Metrics.Gauge(label: Names.watchers, factory: factory)
        func proposals(_ result: ProposalResult) -> Metrics.Counter {
            Metrics.Counter(label: Names.proposals, dimensions: [("result", result.rawValue)], factory: factory)
        }
        proposalsCommitted = proposals(.committed)
        proposalsFailed = proposals(.failed)
        proposalsRefused = proposals(.refused)
        fsyncDuration = Metrics.Timer(label: Names.fsyncDuration, factory: factory)
        appendBatchEntries = Metrics.Recorder(label: Names.appendBatchEntries, aggregate: true, factory: factory)
        httpConnections = Metrics.Meter(label: Names.httpConnections, factory: factory)
        httpConnectionsRefused = Metrics.Counter(label: Names.httpConnectionsRefused, factory: factory)
    }

    // MARK: Recording

    /// Records the time one durable log transaction took (write and fsync).
    public func recordFsync(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        fsyncDuration.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Records how many entries one log transaction stored (group commit's batch size).
    public func recordAppendBatch(entries: Int) {
        precondition(entries >= 0, "a log transaction cannot store \(entries) entries")
        appendBatchEntries.record(entries)
    }

    /// Counts one proposal under its outcome.
    public func recordProposal(result: ProposalResult) {
        switch result {
        case .committed: proposalsCommitted.increment()
        case .failed: proposalsFailed.increment()
        case .refused: proposalsRefused.increment()
        }
    }

    /// Sets the number of active watchers (`paddock_watchers`); 0 until a hub reports.
    public func setWatchers(_ count: Int) {
        watchers.record(count)
    }

    /// Registers the closure read at every scrape for `paddock_watchers` (the watch hub's
    /// count), replacing any earlier one. Same rules as `setSampler`.
    public func setWatcherSource(_ source: @escaping @Sendable () -> Int) {
        watcherSource.withLock { $0 = source }
    }

    /// Registers the closure read at every scrape for the replica's gauges, replacing any
    /// earlier one. It runs on the scraping thread (an event loop): it must only take
    /// short locks and never wait.
    public func setSampler(_ sampler: @escaping @Sendable () -> RaftSample) {
        self.sampler.withLock { $0 = sampler }
    }

    /// Counts a connection refused because `Limits.connectionsMax` were open.
    func recordRefusedConnection() {
        httpConnectionsRefused.increment()
    }

    /// The timer of one HTTP request series; made on first use and then shared.
    func requestTimer(_ series: RequestSeries) -> Metrics.Timer {
        requestTimers.withLock { timers in
            if let timer = timers[series] { return timer }
            let timer = Metrics.Timer(
                label: Names.httpRequestDuration,
                dimensions: [("route", series.route), ("method", series.method), ("status", String(series.status))],
                factory: factory)
            timers[series] = timer
            return timer
        }
    }

    // MARK: Scraping

    /// The Prometheus text exposition (format 0.0.4) of every metric, after reading the
    /// sampler once; families sorted by name, each with `# HELP` and `# TYPE` lines.
    public func exposition() -> String {
        let sampler = self.sampler.withLock { $0 }
        let watcherSource = self.watcherSource.withLock { $0 }
        // Sampling inside the scrape lock: concurrent scrapes cannot set an older sample
        // after a newer one. The sampler takes only the replica's own short lock.
        let text = scrapeLock.withLock { _ in
            if let sample = sampler?() { record(sample) }
            if let watcherSource { watchers.record(watcherSource()) }
            return registry.emitToString()
        }
        return ExpositionText.ordered(text, help: Self.help)
    }

    private func record(_ sample: RaftSample) {
        raftTerm.record(Double(sample.term.rawValue))
        for (role, gauge) in raftRoles {
            gauge.record(role == sample.role ? 1 : 0)
        }
        raftCommitIndex.record(Double(sample.commitIndex.rawValue))
        raftAppliedIndex.record(Double(sample.appliedIndex.rawValue))
        sessions.record(sample.sessions)
        znodes.record(sample.znodes)
    }
}

/// One series of `paddock_http_request_duration_seconds`: route template, method, status.
struct RequestSeries: Hashable, Sendable {
    var route: String
    var method: String
    var status: Int
}

extension PaddockMetrics {
    /// The metric names, Prometheus style: `paddock_` prefix, unit last.
    public enum Names {
        /// Gauge: the current Raft term.
        public static let raftTerm = "paddock_raft_term"
        /// Gauge, label `role`: 1 for the member's current role, 0 for the others.
        public static let raftRole = "paddock_raft_role"
        /// Gauge: the commit index.
        public static let raftCommitIndex = "paddock_raft_commit_index"
        /// Gauge: the applied index (the zxid reads reflect).
        public static let raftAppliedIndex = "paddock_raft_applied_index"
        /// Counter, label `result`: proposals by outcome.
        public static let proposals = "paddock_proposals_total"
        /// Histogram: seconds per durable log transaction.
        public static let fsyncDuration = "paddock_fsync_duration_seconds"
        /// Histogram: entries per log transaction.
        public static let appendBatchEntries = "paddock_append_batch_entries"
        /// Histogram, labels `route`, `method`, `status`: seconds per HTTP request.
        public static let httpRequestDuration = "paddock_http_request_duration_seconds"
        /// Gauge: open HTTP connections.
        public static let httpConnections = "paddock_http_connections"
        /// Counter: connections refused past the connection limit.
        public static let httpConnectionsRefused = "paddock_http_connections_refused_total"
        /// Gauge: open sessions.
        public static let sessions = "paddock_sessions"
        /// Gauge: znodes in the tree, the root included.
        public static let znodes = "paddock_znodes"
        /// Gauge: active watchers.
        public static let watchers = "paddock_watchers"
    }

    /// The bucket bounds of the histograms.
    enum Buckets {
        /// 0.5 ms to 1 s: a good disk syncs in well under a millisecond, a loaded one
        /// in tens of milliseconds; past a second the member is in trouble.
        static let fsyncDuration: [Duration] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(500),
            .seconds(1),
        ]
        /// 0.1 ms to 10 s: reads answer in tens of microseconds, writes wait for a sync.
        static let httpRequestDuration: [Duration] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2_500),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .microseconds(2_500_000), .seconds(5),
            .seconds(10),
        ]
        /// Powers of two up to `ReplicaOptions.batchEntriesMax`'s default, 4,096.
        static let appendBatchEntries: [Double] = (0...12).map { Double(1 << $0) }
    }

    /// The `# HELP` text of each family.
    static let help: [String: String] = [
        Names.raftTerm: "Current Raft term of this member.",
        Names.raftRole: "Role of this member: 1 for the current role, 0 for the others.",
        Names.raftCommitIndex: "Highest log index known to be committed.",
        Names.raftAppliedIndex: "Highest log index applied to the znode tree.",
        Names.proposals: "Proposals by outcome: committed, failed (domain error), refused (not logged).",
        Names.fsyncDuration: "Seconds per durable log transaction (write and fsync).",
        Names.appendBatchEntries: "Entries stored per log transaction.",
        Names.httpRequestDuration: "Seconds from request head to response, by route template, method and status.",
        Names.httpConnections: "Open HTTP client connections.",
        Names.httpConnectionsRefused: "HTTP connections refused because the connection limit was reached.",
        Names.sessions: "Open sessions.",
        Names.znodes: "Znodes in the tree, the root included.",
        Names.watchers: "Active watchers.",
    ]
}
