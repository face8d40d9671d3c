import NIOHTTP1

/// The routes of the Paddock HTTP API, v1.
///
/// `all` is the one list the server registers, exposed so a test can compare it with the
/// paths of `openapi/paddock.yaml`.
public enum PaddockRoutes {
    /// Every (method, template) the server answers, in registration order.
    public static var all: [(method: String, template: String)] {
        routes.map { ($0.method.rawValue, $0.template) }
    }

    /// The routes with their handlers.
    static let routes: [Route] = [
        Route(.GET, "/v1/nodes", now: NodeHandlers.getNow, handler: NodeHandlers.get),
        Route(.POST, "/v1/nodes", handler: NodeHandlers.create),
        Route(.PUT, "/v1/nodes", handler: NodeHandlers.setData),
        Route(.DELETE, "/v1/nodes", handler: NodeHandlers.delete),
        Route(.GET, "/v1/nodes/{path}", now: NodeHandlers.getNow, handler: NodeHandlers.get),
        Route(.POST, "/v1/nodes/{path}", handler: NodeHandlers.create),
        Route(.PUT, "/v1/nodes/{path}", handler: NodeHandlers.setData),
        Route(.DELETE, "/v1/nodes/{path}", handler: NodeHandlers.delete),
        Route(.POST, "/v1/txn", handler: TxnHandler.handle),
        Route(.POST, "/v1/sessions", handler: SessionHandlers.open),
        Route(.GET, "/v1/sessions/{id}", handler: SessionHandlers.show),
        Route(.DELETE, "/v1/sessions/{id}", handler: SessionHandlers.close),
        Route(.POST, "/v1/sessions/{id}/keepalive", handler: SessionHandlers.keepAlive),
        Route(.GET, "/v1/cluster", now: ClusterHandlers.statusNow, handler: ClusterHandlers.status),
        Route(.POST, "/v1/cluster/members", handler: ClusterHandlers.addMember),
        Route(.DELETE, "/v1/cluster/members/{name}", handler: ClusterHandlers.remove),
        Route(.POST, "/v1/cluster/members/{name}/promote", handler: ClusterHandlers.promote),
        Route(.POST, "/v1/cluster/transfer-leadership", handler: ClusterHandlers.transferLeadership),
        Route(.GET, "/v1/watch", now: WatchHandlers.watchNow, handler: WatchHandlers.watch),
        Route(.GET, "/v1/watch/{path}", now: WatchHandlers.watchNow, handler: WatchHandlers.watch),
        Route(.POST, "/v1/locks/{name}", handler: LockHandlers.acquire),
        Route(.GET, "/v1/locks/{name}", handler: LockHandlers.show),
        Route(.DELETE, "/v1/locks/{name}/{key}", handler: LockHandlers.release),
        Route(.POST, "/v1/elections/{name}/campaign", handler: ElectionHandlers.campaign),
        Route(.GET, "/v1/elections/{name}", handler: ElectionHandlers.show),
        Route(.GET, "/v1/elections/{name}/observe", now: ElectionHandlers.observeNow, handler: ElectionHandlers.observe),
        Route(.POST, "/v1/elections/{name}/proclaim", handler: ElectionHandlers.proclaim),
        Route(.POST, "/v1/elections/{name}/resign", handler: ElectionHandlers.resign),
        Route(.GET, "/v1/snapshot", handler: SnapshotHandler.snapshot),
        Route(.GET, "/healthz", now: HealthHandlers.healthNow, handler: HealthHandlers.health),
        Route(.GET, "/readyz", now: HealthHandlers.readyNow, handler: HealthHandlers.ready),
        Route(.GET, "/metrics", now: MetricsHandler.metricsNow, handler: MetricsHandler.metrics),
    ]

    /// The frozen router over `routes`.
    public static let router = Router(routes: routes)
}
