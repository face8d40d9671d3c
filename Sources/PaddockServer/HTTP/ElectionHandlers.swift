import NIOHTTP1
import PaddockAPI
import ZNodeTree

/// The handlers of `/v1/elections/{name}`: campaign, show the leader, observe leaders,
/// proclaim a new value, resign. The leader is the head of the election's queue, exactly
/// as a lock's holder; its token is the czxid of its node. See docs/locks.md.
enum ElectionHandlers {
    /// `POST /v1/elections/{name}/campaign` with `{"session","value","wait"}`: joins (once
    /// per session; the node's data is `value`, kept as it was when the session had joined
    /// already) and waits at most `wait` to lead → `{"leader":true,"key","token","value",...}`
    /// or `{"leader":false,"key","position","ahead",...}`.
    static func campaign(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        await RecipeRequest.answerJoin(
            .election, request, context, extraFields: ["value"], flag: "leader", withValue: true
        ) { fields throws(RequestRejection) in
            try Self.value(fields, limits: context.limits)
        }
    }

    /// `GET /v1/elections/{name}` → `{"name","leader":{key,session,token,value}|null,"candidates":N}`.
    static func show(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let (queue, entries, zxid): (RecipeQueue, [QueueEntry], Zxid)
        do throws(QueueFailure) {
            (queue, entries, zxid) = try await RecipeRequest.shown(.election, request, context)
        } catch {
            return error.response
        }
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("name"); writer.string(queue.name.rawValue)
        writer.key("leader")
        if let head = entries.first { RecipeRequest.writeEntry(head, withValue: true, to: &writer) } else { writer.null() }
        writer.key("candidates"); writer.number(entries.count)
        writer.endObject()
        return .json(.ok, writer, zxid: zxid)
    }

    /// `GET /v1/elections/{name}/observe`: a stream of `leader` and `no-leader` events,
    /// the current state first (see `LeaderStream`).
    static func observeNow(_ request: APIRequest, _ context: APIContext) -> APIResponse? {
        let queue: RecipeQueue
        do throws(RequestRejection) {
            queue = try RecipeRequest.queue(.election, request)
            _ = try QueryParameters(request.rawQuery, allowed: [])
        } catch {
            return error.response
        }
        guard let hub = context.watchHub else {
            return .problem(ReplicaError(code: .unavailable, message: "this member serves no watches"))
        }
        let stream = LeaderStream(hub: hub, queue: queue)
        switch hub.register(stream, filter: WatchFilter(path: queue.directory, recursive: true), start: .initial) {
        case .started(let zxid), .satisfied(let zxid):
            return .streaming(stream, headers: streamHeaders, zxid: zxid)
        case .tooManyWatchers:
            return .problem(ReplicaError(
                code: .unavailable, message: "the member has as many watchers as it allows; retry shortly",
                retryAfterSeconds: 1))
        case .closed, .compacted, .notYetApplied:
            return .problem(ReplicaError(code: .shuttingDown, message: "the member is shutting down"))
        }
    }

    /// The same as `observeNow`, which always answers.
    static func observe(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        observeNow(request, context) ?? .problem(.internal, "observe gave no answer")
    }

    private static let streamHeaders: HTTPHeaders = [
        "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
    ]

    /// `POST /v1/elections/{name}/proclaim` with `{"session","key","value"}`: sets the
    /// leader's value, in one transaction fenced by the leader's token → `{"leader":true,
    /// "key","token","value"}`; 409 `FenceMismatch` when `key` does not lead, 404 `NoNode`
    /// for an unknown key, 400 `BadArguments` when the key belongs to another session.
    static func proclaim(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let queue: RecipeQueue
        let session: SessionID
        let target: (key: String, path: ZNodePath)
        let value: [UInt8]
        do throws(RequestRejection) {
            queue = try RecipeRequest.queue(.election, request)
            let fields = try RecipeRequest.fields(request, allowed: ["session", "key", "value"])
            session = try RecipeRequest.session(fields)
            target = try RecipeRequest.key(try fields.string("key"), of: queue)
            value = try Self.value(fields, limits: context.limits)
        } catch {
            return error.response
        }
        let token: Zxid
        do throws(QueueFailure) {
            token = try await ownedToken(target, queue: queue, session: session, context: context)
        } catch {
            return error.response
        }
        let command = Command.multi([
            .fence(FenceOp(directory: queue.directory, token: token)),
            .setData(SetDataOp(path: target.path, data: value)),
        ])
        return await Proposals.propose(command, request, context) { committed in
            guard case .multi(let results) = committed.result, results.count == 2 else { return nil }
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("leader"); writer.bool(true)
            writer.key("name"); writer.string(queue.name.rawValue)
            writer.key("key"); writer.string(target.key)
            writer.key("token"); writer.number(token.rawValue)
            RecipeRequest.writeValue(value, to: &writer)
            writer.endObject()
            return .json(.ok, writer, zxid: committed.zxid)
        }
    }

    /// `POST /v1/elections/{name}/resign` with `{"session","key"}`: leaves the election
    /// (its node is deleted; the next candidate leads) → `{"resigned":true,"key"}`.
    static func resign(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let queue: RecipeQueue
        let session: SessionID
        let target: (key: String, path: ZNodePath)
        do throws(RequestRejection) {
            queue = try RecipeRequest.queue(.election, request)
            let fields = try RecipeRequest.fields(request, allowed: ["session", "key"])
            session = try RecipeRequest.session(fields)
            target = try RecipeRequest.key(try fields.string("key"), of: queue)
        } catch {
            return error.response
        }
        do throws(QueueFailure) {
            // A key is reused only after the whole queue emptied and its container was
            // made again, so the node deleted below is, in practice, the one checked here.
            _ = try await ownedToken(target, queue: queue, session: session, context: context)
        } catch {
            return error.response
        }
        return await Proposals.propose(.delete(DeleteOp(path: target.path)), request, context) { committed in
            guard case .deleted = committed.result else { return nil }
            return RecipeRequest.leftAnswer(flag: "resigned", queue: queue, key: target.key, zxid: committed.zxid)
        }
    }

    /// The `value` field (UTF-8 text), empty when absent, within the data limit.
    private static func value(_ fields: FieldReader, limits: Limits) throws(RequestRejection) -> [UInt8] {
        let bytes = Array((try fields.string("value") ?? "").utf8)
        try NodeCommands.checkSize(bytes, limits: limits)
        return bytes
    }

    /// The token (czxid) of the candidate `target`, checked to belong to `session`.
    private static func ownedToken(
        _ target: (key: String, path: ZNodePath), queue: RecipeQueue, session: SessionID, context: APIContext
    ) async throws(QueueFailure) -> Zxid {
        let view = try await QueueRead.view(context)
        guard let node = view.tree.node(at: target.path) else {
            throw QueueFailure(response: .problem(
                .noNode, "\(target.key) is not a candidate of the election \(queue.name)", path: target.path.string,
                zxid: view.zxid))
        }
        guard node.stat.ephemeralOwner == session else {
            throw QueueFailure(response: .problem(
                .badArguments, "\(target.key) belongs to another session than \(session)", path: target.path.string,
                zxid: view.zxid))
        }
        return node.stat.czxid
    }
}
