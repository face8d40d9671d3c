import NIOHTTP1

/// A handler: one request in, one response out. Errors are responses too.
public typealias APIHandler = @Sendable (APIRequest, APIContext) async -> APIResponse

/// A handler's fast path: the response when it can be given without waiting, nil when the
/// request must go to the `APIHandler` (which then answers it in full).
public typealias APINowHandler = @Sendable (APIRequest, APIContext) -> APIResponse?

/// What a handler may use: the replica, the limits and the metrics. Shared by every
/// connection.
public struct APIContext: Sendable {
    /// The member behind the API.
    public var replica: any ReplicaService
    /// The bounds to enforce.
    public var limits: Limits
    /// Membership and leadership of a replicated member; nil on a single node.
    public var cluster: (any ClusterControl)?
    /// The member's metrics, served at `/metrics` and fed by the HTTP server.
    public var metrics: PaddockMetrics
    /// The member's watch hub; nil when it serves no watches (`/v1/watch` answers 503).
    public var watchHub: WatchHub?

    /// A context from its parts; without `metrics`, a fresh registry of its own. Without
    /// `watchHub`, the replica's own hub is used when it has one (`WatchHubProviding`).
    public init(
        replica: any ReplicaService, limits: Limits, cluster: (any ClusterControl)? = nil,
        metrics: PaddockMetrics = PaddockMetrics(), watchHub: WatchHub? = nil
    ) {
        self.replica = replica
        self.limits = limits
        self.cluster = cluster
        self.metrics = metrics
        self.watchHub = watchHub ?? (replica as? any WatchHubProviding)?.watchHub
    }
}

/// A route: a method and a path template such as `/v1/sessions/{id}/keepalive`.
///
/// A `{name}` segment matches one non-empty path segment; a final `{path}` matches the
/// rest of the path, slashes included, and may be empty.
public struct Route: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// The template, as listed in the API description.
    public var template: String
    /// The handler.
    public var handler: APIHandler
    /// The fast path tried first on the event loop, if the route has one.
    public var nowHandler: APINowHandler?

    fileprivate var segments: [TemplateSegment]
    /// The route's position in its router's `routes` (set by `Router`), which names its
    /// series in the request metrics without building a string per request.
    fileprivate(set) var index = 0

    /// A route; the template must start with `/`. `now`, when given, is tried first and
    /// must answer exactly as `handler` would whenever it answers.
    public init(_ method: HTTPMethod, _ template: String, now: APINowHandler? = nil, handler: @escaping APIHandler) {
        precondition(template.hasPrefix("/"), "route template must start with '/': \(template)")
        self.method = method
        self.template = template
        self.handler = handler
        self.nowHandler = now
        let parts = template.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var segments: [TemplateSegment] = []
        for (offset, part) in parts.enumerated() {
            if part.hasPrefix("{"), part.hasSuffix("}") {
                let name = String(part.dropFirst().dropLast())
                let isLast = offset == parts.count - 1
                segments.append(name == "path" && isLast ? .rest(name) : .parameter(name))
            } else {
                segments.append(.literal(String(part)))
            }
        }
        self.segments = segments
    }
}

private enum TemplateSegment: Sendable {
    case literal(String)
    case parameter(String)
    case rest(String)
}

/// The outcome of routing one request.
public enum RouteMatch: Sendable {
    /// A route matched; its handler and the captured parameters (raw).
    case found(APIHandler, [String: Substring])
    /// The path exists for other methods; `allowed` lists them sorted (the `Allow` header).
    case methodNotAllowed(allowed: [String])
    /// No route has this path.
    case notFound
}

/// The routing table, built once and then immutable, so it is shared by every connection
/// without locks.
public struct Router: Sendable {
    /// The routes in registration order.
    public let routes: [Route]
    /// The routes grouped by template, in order of each template's first route, so a path
    /// is matched against each template once whatever the number of methods.
    private let templates: [(segments: [TemplateSegment], routes: [Route])]

    /// A router over `routes`; two routes with the same method and template are a bug.
    public init(routes: [Route]) {
        var seen = Set<String>()
        var templates: [(segments: [TemplateSegment], routes: [Route])] = []
        var positions: [String: Int] = [:]
        var routes = routes
        for position in routes.indices { routes[position].index = position }
        for route in routes {
            let key = "\(route.method.rawValue) \(route.template)"
            precondition(seen.insert(key).inserted, "route registered twice: \(key)")
            if let position = positions[route.template] {
                templates[position].routes.append(route)
            } else {
                positions[route.template] = templates.count
                templates.append((route.segments, [route]))
            }
        }
        self.routes = routes
        self.templates = templates
    }

    /// The route for `method` and the raw (percent-encoded) `path`.
    public func match(method: HTTPMethod, path: Substring) -> RouteMatch {
        switch lookup(method: method, path: path) {
        case .found(let route, let parameters): return .found(route.handler, parameters)
        case .methodNotAllowed(let allowed): return .methodNotAllowed(allowed: allowed)
        case .notFound: return .notFound
        }
    }

    /// What `lookup` finds: the whole route, so the responder can try its fast path.
    enum Lookup {
        case found(Route, [String: Substring])
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    /// The route for `method` and the raw `path`; see `match`. Templates are tried in the
    /// order of their first route, each once.
    func lookup(method: HTTPMethod, path: Substring) -> Lookup {
        var allowed: [String] = []
        for template in templates {
            guard let parameters = Self.capture(template.segments, in: path) else { continue }
            for route in template.routes where route.method == method {
                return .found(route, parameters)
            }
            allowed.append(contentsOf: template.routes.map(\.method.rawValue))
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: Array(Set(allowed)).sorted())
    }

    // Works on UTF-8 code units: no grapheme breaking or Unicode comparison on the hot path.
    private static func capture(_ segments: [TemplateSegment], in path: Substring) -> [String: Substring]? {
        let slash = UInt8(ascii: "/")
        guard path.utf8.first == slash else { return nil }
        var rest = path[path.utf8.index(after: path.startIndex)...]
        var parameters: [String: Substring] = [:]
        for (offset, segment) in segments.enumerated() {
            let isLast = offset == segments.count - 1
            switch segment {
            case .rest(let name):
                parameters[name] = rest
                return parameters
            case .literal(let literal):
                let end = rest.utf8.firstIndex(of: slash) ?? rest.endIndex
                guard rest.utf8[..<end].elementsEqual(literal.utf8) else { return nil }
                rest = rest[end...]
            case .parameter(let name):
                let end = rest.utf8.firstIndex(of: slash) ?? rest.endIndex
                guard end > rest.startIndex else { return nil }
                parameters[name] = rest[..<end]
                rest = rest[end...]
            }
            if isLast { return rest.utf8.isEmpty ? parameters : nil }
            // Between segments there is exactly one '/'; what follows it may be empty only
            // for a final `{path}` (so `/v1/nodes/` names the root).
            guard rest.utf8.first == slash else { return nil }
            rest = rest[rest.utf8.index(after: rest.startIndex)...]
        }
        return path == "/" && segments.isEmpty ? parameters : nil
    }
}
