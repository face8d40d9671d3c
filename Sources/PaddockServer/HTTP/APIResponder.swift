import NIOHTTP1
import PaddockAPI

/// Turns one complete request into one response: routing, the checks every route shares,
/// the handler, and the `Paddock-Zxid` fallback. Immutable and shared by all connections.
public struct APIResponder: Sendable {
    /// The routing table.
    public let router: Router
    /// What handlers use.
    public let context: APIContext

    /// A responder over `router` (by default the Paddock API).
    public init(context: APIContext, router: Router = PaddockRoutes.router) {
        self.router = router
        self.context = context
    }

    /// The response to `request`; never throws (errors are problem responses).
    public func respond(to request: APIRequest) async -> APIResponse {
        switch prepare(request) {
        case .answered(let response, _):
            return response
        case .pending(let handler, let routed, _):
            return await finish(handler, routed)
        }
    }

    /// What `prepare` decided for a request, with the index of the matched route in
    /// `router.routes` (nil when no route matched), which names its request metrics.
    enum Prepared: Sendable {
        /// The response, complete (zxid filled in).
        case answered(APIResponse, route: Int?)
        /// The request must wait: `finish(handler, request)` gives its response.
        case pending(APIHandler, APIRequest, route: Int)
    }

    /// Routes `request` and answers it at once when nothing has to wait: routing errors,
    /// the shared checks, and routes whose fast path answers (most reads). Runs on the
    /// caller's thread, so the event loop answers such requests without a task.
    func prepare(_ request: APIRequest) -> Prepared {
        switch router.lookup(method: request.method, path: request.rawPath) {
        case .notFound:
            return .answered(stamped(.problem(.notFound, "no route for \(request.method.rawValue) \(request.rawPath)")), route: nil)
        case .methodNotAllowed(let allowed):
            var response = APIResponse.problem(
                .methodNotAllowed, "\(request.rawPath) does not take \(request.method.rawValue); it takes \(allowed.joined(separator: ", "))")
            response.headers.add(name: "Allow", value: allowed.joined(separator: ", "))
            return .answered(stamped(response), route: nil)
        case .found(let route, let parameters):
            if request.method == .GET || request.method == .DELETE, Self.hasBody(request) {
                return .answered(stamped(.problem(.badRequest, "\(request.method.rawValue) takes no body")), route: route.index)
            }
            var routed = request
            routed.parameters = parameters
            if let now = route.nowHandler, let response = now(routed, context) {
                return .answered(stamped(response), route: route.index)
            }
            return .pending(route.handler, routed, route: route.index)
        }
    }

    /// Runs the waiting part of a request `prepare` left pending.
    func finish(_ handler: APIHandler, _ request: APIRequest) async -> APIResponse {
        stamped(await handler(request, context))
    }

    /// `response` with the member's applied zxid when the handler named none.
    private func stamped(_ response: APIResponse) -> APIResponse {
        var response = response
        if response.zxid == nil { response.zxid = context.replica.status.appliedZxid }
        return response
    }

    /// True when the request carries a body or announces one.
    static func hasBody(_ request: APIRequest) -> Bool {
        if request.body.readableBytes > 0 { return true }
        if request.headers.contains(name: "transfer-encoding") { return true }
        if let length = request.headers.first(name: "content-length"), let count = Int(length), count > 0 { return true }
        return false
    }
}
