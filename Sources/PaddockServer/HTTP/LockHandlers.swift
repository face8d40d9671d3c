import PaddockAPI
import ZNodeTree

/// The handlers of `/v1/locks/{name}`: acquire (fair, herd-free), show, release.
/// See docs/locks.md.
enum LockHandlers {
    /// `POST /v1/locks/{name}` with `{"session","wait"}` (JSON or form): joins the lock's
    /// queue (once per session) and waits at most `wait` (default 0) to hold it →
    /// 200 `{"held":true,"key","token",...}` or `{"held":false,"key","position","ahead",...}`.
    static func acquire(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        await RecipeRequest.answerJoin(.lock, request, context, flag: "held", withValue: false)
    }

    /// `GET /v1/locks/{name}` → `{"name","holder":{key,session,token}|null,"queue":[...]}`,
    /// the queue in order with the holder first. A lock nobody holds or waits for answers
    /// with a null holder and an empty queue.
    static func show(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let (queue, entries, zxid): (RecipeQueue, [QueueEntry], Zxid)
        do throws(QueueFailure) {
            (queue, entries, zxid) = try await RecipeRequest.shown(.lock, request, context)
        } catch {
            return error.response
        }
        var writer = JSONWriter(capacity: 128 + entries.count * 80)
        writer.beginObject()
        writer.key("name"); writer.string(queue.name.rawValue)
        writer.key("holder")
        if let head = entries.first { RecipeRequest.writeEntry(head, withValue: false, to: &writer) } else { writer.null() }
        writer.key("queue")
        writer.beginArray()
        for entry in entries { RecipeRequest.writeEntry(entry, withValue: false, to: &writer) }
        writer.endArray()
        writer.endObject()
        return .json(.ok, writer, zxid: zxid)
    }

    /// `DELETE /v1/locks/{name}/{key}`: releases the lock (or leaves its queue) →
    /// `{"released":true,"name","key"}`; 404 `NoNode` for an unknown key, nothing changed.
    static func release(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let queue: RecipeQueue
        let target: (key: String, path: ZNodePath)
        do throws(RequestRejection) {
            queue = try RecipeRequest.queue(.lock, request)
            _ = try QueryParameters(request.rawQuery, allowed: [])
            target = try RecipeRequest.key(request.parameters["key"].map(String.init), of: queue)
        } catch {
            return error.response
        }
        return await Proposals.propose(.delete(DeleteOp(path: target.path)), request, context) { committed in
            guard case .deleted = committed.result else { return nil }
            return RecipeRequest.leftAnswer(flag: "released", queue: queue, key: target.key, zxid: committed.zxid)
        }
    }
}
