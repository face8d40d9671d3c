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
        var response = await dispatch(request)
        if response.zxid == nil { response.zxid = context.replica.status.appliedZxid }
        return response
    }

    private func dispatch(_ request: APIRequest) async -> APIResponse {
        switch router.match(method: request.method, path: request.rawPath) {
        case .notFound:
            return .problem(.notFound, "no route for \(request.method.rawValue) \(request.rawPath)")
        case .methodNotAllowed(let allowed):
            var response = APIResponse.problem(
                .methodNotAllowed, "\(request.rawPath) does not take \(request.method.rawValue); it takes \(allowed.joined(separator: ", "))")
            response.headers.add(name: "Allow", value: allowed.joined(separator: ", "))
            return response
        case .found(let handler, let parameters):
            if request.method == .GET || request.method == .DELETE, Self.hasBody(request) {
                return .problem(.badRequest, "\(request.method.rawValue) takes no body")
            }
            var routed = request
            routed.parameters = parameters
            return await handler(routed, context)
        }
    }

    /// True when the request carries a body or announces one.
    static func hasBody(_ request: APIRequest) -> Bool {
        if request.body.readableBytes > 0 { return true }
        if request.headers.contains(name: "transfer-encoding") { return true }
        if let length = request.headers.first(name: "content-length"), let count = Int(length), count > 0 { return true }
        return false
    }
}
