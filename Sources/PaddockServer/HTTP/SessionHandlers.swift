import PaddockAPI
import ZNodeTree

/// The handlers of `/v1/sessions`: open, show, keep alive, close.
enum SessionHandlers {
    /// The TTL of a session opened without one, in ms.
    static let defaultTTLMs: Int64 = 10_000

    /// `POST /v1/sessions` with `{"ttl":"10s"}` or `{"ttl":10000}` (or form `ttl=10s`;
    /// no body: 10 s) → 201 `{"id","ttl"}` with the TTL in ms.
    static func open(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let ttlMs: Int64
        do throws(RequestRejection) {
            _ = try QueryParameters(request.rawQuery, allowed: [])
            guard case .fields(let members, let isForm) = try RequestBody(of: request, acceptsRaw: false) else {
                throw RequestRejection(.unsupportedMediaType, "send the session as JSON or a form")
            }
            let fields = try FieldReader(members, allowed: ["ttl"], isForm: isForm)
            ttlMs = try fields.value("ttl").map { value throws(RequestRejection) in
                try DurationText.milliseconds(value, field: "ttl")
            } ?? defaultTTLMs
            let limits = context.limits
            guard ttlMs >= limits.sessionTTLMinMs, ttlMs <= limits.sessionTTLMaxMs else {
                throw RequestRejection(
                    .badRequest,
                    "\"ttl\" must be between \(limits.sessionTTLMinMs) and \(limits.sessionTTLMaxMs) ms, got \(ttlMs)")
            }
        } catch {
            return error.response
        }
        // An id collision (two random 64-bit ids equal) is retried once with a fresh id.
        var lastFailure: APIResponse?
        for _ in 0..<2 {
            let committed: Committed
            let replica = context.replica
            switch await Proposals.within(context.limits.proposalWaitMs, { () async throws(ReplicaError) in
                try await replica.openSession(ttlMs: ttlMs)
            }) {
            case .success(let value): committed = value
            case .failure(let error): return .problem(error)
            }
            switch committed.result {
            case .sessionOpened(let id, let grantedMs):
                var writer = JSONWriter()
                writer.beginObject()
                writer.key("id"); writer.string(id.description)
                writer.key("ttl"); writer.number(grantedMs)
                writer.endObject()
                var response = APIResponse.json(.created, writer, zxid: committed.zxid)
                response.headers.add(name: "Location", value: "/v1/sessions/\(id)")
                return response
            case .failed(let failure):
                lastFailure = .problem(failure, zxid: committed.zxid)
            default:
                return .problem(.internal, "opening a session answered \(committed.result)", zxid: committed.zxid)
            }
        }
        return lastFailure ?? .problem(.internal, "opening a session failed")
    }

    /// `GET /v1/sessions/{id}` → `{"id","ttl","ephemerals":[...]}`; 410 when unknown.
    static func show(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let id: SessionID
        let consistency: ReadConsistency
        do throws(RequestRejection) {
            let query = try QueryParameters(request.rawQuery, allowed: ["consistency"])
            consistency = try NodeHandlers.consistency(query)
            id = try sessionID(request)
        } catch {
            return error.response
        }
        let view: TreeView
        do {
            view = try await context.replica.read(consistency)
        } catch {
            return .problem(error)
        }
        guard let session = view.tree.session(id) else {
            return .problem(.sessionExpired, "session \(id) is unknown, closed or expired", zxid: view.zxid)
        }
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("id"); writer.string(id.description)
        writer.key("ttl"); writer.number(session.ttlMs)
        writer.stringArray("ephemerals", session.ephemerals.lazy.map(\.string))
        writer.endObject()
        return .json(.ok, writer, zxid: view.zxid)
    }

    /// `POST /v1/sessions/{id}/keepalive` → `{"id","remaining"}` (ms); 410 when unknown.
    static func keepAlive(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let id: SessionID
        do throws(RequestRejection) {
            _ = try QueryParameters(request.rawQuery, allowed: [])
            id = try sessionID(request)
        } catch {
            return error.response
        }
        let remainingMs: Int64
        do {
            remainingMs = try await context.replica.keepAlive(id)
        } catch {
            return .problem(error)
        }
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("id"); writer.string(id.description)
        writer.key("remaining"); writer.number(remainingMs)
        writer.endObject()
        return .json(.ok, writer, zxid: nil)
    }

    /// `DELETE /v1/sessions/{id}`: closes the session and deletes its ephemerals in one
    /// entry → `{"id","deleted":[...]}`; 410 when unknown.
    static func close(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let id: SessionID
        do throws(RequestRejection) {
            _ = try QueryParameters(request.rawQuery, allowed: [])
            id = try sessionID(request)
        } catch {
            return error.response
        }
        return await Proposals.propose(.closeSession(id), request, context) { committed in
            guard case .sessionClosed(let paths) = committed.result else { return nil }
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("id"); writer.string(id.description)
            writer.stringArray("deleted", paths.lazy.map(\.string))
            writer.endObject()
            return .json(.ok, writer, zxid: committed.zxid)
        }
    }

    private static func sessionID(_ request: APIRequest) throws(RequestRejection) -> SessionID {
        let raw = request.parameters["id"] ?? ""
        guard let id = SessionIDText.parse(raw) else {
            throw RequestRejection(.badRequest, "a session id is 16 hex digits, got \"\(raw)\"")
        }
        return id
    }
}
