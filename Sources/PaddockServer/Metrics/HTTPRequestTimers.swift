import Metrics
import NIOHTTP1

/// One connection's cache of `paddock_http_request_duration_seconds` series.
///
/// Why per connection: recording a request must not build label strings or take the
/// member-wide lock of the series table. The cache is owned by the connection's handler
/// (one event loop), keyed by an integer made of the route's index and the status, so a
/// request costs one dictionary lookup of an `Int` plus the histogram's own update, whose
/// short lock (swift-prometheus keeps one per series) is contended only when two loops
/// record the same series at the same instant. On a miss it asks `PaddockMetrics`, which
/// makes each series once per member.
///
/// Labels: `route` is the route template (`/v1/nodes/{path}`), never the raw path, so
/// the number of series stays bounded; a request no route matched (404, 405, or refused
/// by a limit before routing) is `unmatched`, and its `method` is one of the standard
/// methods or `other`.
struct HTTPRequestTimers {
    private let metrics: PaddockMetrics
    private let routes: [Route]
    private var timers: [Int: Metrics.Timer] = [:]

    /// The route label of requests no route matched.
    static let unmatchedRoute = "unmatched"
    /// The methods kept as their own label value for unmatched requests.
    private static let knownMethods: [HTTPMethod] = [.GET, .HEAD, .POST, .PUT, .DELETE, .PATCH, .OPTIONS]

    /// A cache for a connection of a server with `routes` (the router's, in order).
    init(metrics: PaddockMetrics, routes: [Route]) {
        self.metrics = metrics
        self.routes = routes
    }

    /// Records `nanoseconds` for a request to the route at `route` (nil: unmatched) with
    /// `method` (nil: the request had no valid head), answered with `status`.
    mutating func record(route: Int?, method: HTTPMethod?, status: HTTPResponseStatus, nanoseconds: Int64) {
        let code = Int(status.code)
        let slot: Int
        if let route {
            precondition(routes.indices.contains(route), "route index \(route) outside 0..<\(routes.count)")
            slot = route
        } else {
            let known = method.flatMap { Self.knownMethods.firstIndex(of: $0) }
            slot = routes.count + (known ?? Self.knownMethods.count)
        }
        let key = slot << 10 | (code & 0x3FF)
        if let timer = timers[key] {
            timer.recordNanoseconds(nanoseconds)
            return
        }
        let series: RequestSeries
        if let route {
            series = RequestSeries(route: routes[route].template, method: routes[route].method.rawValue, status: code)
        } else {
            let label = method.flatMap { Self.knownMethods.contains($0) ? $0.rawValue : nil } ?? "other"
            series = RequestSeries(route: Self.unmatchedRoute, method: label, status: code)
        }
        let timer = metrics.requestTimer(series)
        timers[key] = timer
        timer.recordNanoseconds(nanoseconds)
    }
}
