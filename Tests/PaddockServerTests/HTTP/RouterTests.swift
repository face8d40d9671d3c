import NIOHTTP1
import PaddockServer
import Testing

@Suite struct RouterTests {
    @Test(arguments: [
        ("GET", "/v1/nodes", "/v1/nodes", ""),
        ("GET", "/v1/nodes/", "/v1/nodes/{path}", ""),
        ("GET", "/v1/nodes/a/b", "/v1/nodes/{path}", "a/b"),
        ("PUT", "/v1/nodes//a", "/v1/nodes/{path}", "/a"),
        ("POST", "/v1/sessions", "/v1/sessions", ""),
        ("GET", "/v1/sessions/00000000000000ff", "/v1/sessions/{id}", "00000000000000ff"),
        ("POST", "/v1/sessions/abc/keepalive", "/v1/sessions/{id}/keepalive", "abc"),
        ("POST", "/v1/txn", "/v1/txn", ""),
        ("GET", "/healthz", "/healthz", ""),
    ])
    func matches(method: String, path: String, template: String, parameter: String) {
        let router = PaddockRoutes.router
        guard case .found(_, let parameters) = router.match(method: HTTPMethod(rawValue: method), path: path[...]) else {
            Issue.record("\(method) \(path) did not match")
            return
        }
        let expected = router.routes.first { $0.template == template && $0.method.rawValue == method }
        #expect(expected != nil)
        #expect(String(parameters["path"] ?? parameters["id"] ?? "") == parameter)
    }

    @Test(arguments: ["/", "/v1", "/v1/node", "/v1/nodesx", "/v1/sessions/a/b", "/v1/txn/x", "/healthz/", "v1/nodes"])
    func unknownPathsAreNotFound(path: String) {
        guard case .notFound = PaddockRoutes.router.match(method: .GET, path: path[...]) else {
            Issue.record("\(path) matched")
            return
        }
    }

    @Test func wrongMethodListsTheAllowedOnes() {
        guard case .methodNotAllowed(let allowed) = PaddockRoutes.router.match(method: .PATCH, path: "/v1/nodes/a") else {
            Issue.record("PATCH matched")
            return
        }
        #expect(allowed == ["DELETE", "GET", "POST", "PUT"])
    }

    @Test func routeListIsTheDocumentedOne() {
        let list = PaddockRoutes.all.map { "\($0.method) \($0.template)" }
        #expect(list == [
            "GET /v1/nodes", "POST /v1/nodes", "PUT /v1/nodes", "DELETE /v1/nodes",
            "GET /v1/nodes/{path}", "POST /v1/nodes/{path}", "PUT /v1/nodes/{path}", "DELETE /v1/nodes/{path}",
            "POST /v1/txn", "POST /v1/sessions", "GET /v1/sessions/{id}", "DELETE /v1/sessions/{id}",
            "POST /v1/sessions/{id}/keepalive",
            "GET /v1/cluster", "POST /v1/cluster/members", "DELETE /v1/cluster/members/{name}",
            "POST /v1/cluster/members/{name}/promote", "POST /v1/cluster/transfer-leadership",
            "GET /v1/watch", "GET /v1/watch/{path}",
            "POST /v1/locks/{name}", "GET /v1/locks/{name}", "DELETE /v1/locks/{name}/{key}",
            "POST /v1/elections/{name}/campaign", "GET /v1/elections/{name}", "GET /v1/elections/{name}/observe",
            "POST /v1/elections/{name}/proclaim", "POST /v1/elections/{name}/resign",
            "GET /v1/snapshot",
            "GET /healthz", "GET /readyz", "GET /metrics",
        ])
    }
}
