import PaddockAPI
import ZNodeTree

/// The handlers of `/v1/locks/{name}`: acquire (fair, herd-free), show, release.
/// See docs/locks.md.
enum LockHandlers {
    /// `POST /v1/locks/{name}` with `{"session","wait"}` (JSON or form): joins the lock's
    /// queue (once per session) and waits at most `wait` (default 0) to hold it →
    /// 200 `{"held":true,"key","token",...}` or `{"held":false,"key","position","ahead",...}`.
    static func acquire(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let queue: RecipeQueue
        let session: SessionID
        let deadline: ContinuousClock.Instant
        do throws(RequestRejection) {
            queue = try RecipeRequest.queue(.lock, request)
            let fields = try RecipeRequest.fields(request, allowed: ["session", "wait"])
            session = try RecipeRequest.session(fields)
            deadline = RecipeRequest.deadline(afterMs: try RecipeRequest.waitMs(fields, limits: context.limits))
        } catch {
            return error.response
        }
        do throws(QueueFailure) {
            let standing = try await RecipeRequest.acquire(
                queue, session: session, data: [], deadline: deadline, context: context)
            return RecipeRequest.standingAnswer(standing, queue: queue, flag: "held", withValue: false)
        } catch {
            return error.response
        }
    }

    /// `GET /v1/locks/{name}` → `{"name","holder":{key,session,token}|null,"queue":[...]}`,
    /// the queue in order with the holder first. A lock nobody holds or waits for answers
    /// with a null holder and an empty queue.
    static func show(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let queue: RecipeQueue
        do throws(RequestRejection) {
            queue = try RecipeRequest.queue(.lock, request)
            _ = try QueryParameters(request.rawQuery, allowed: [])
        } catch {
            return error.response
        }
        let view: TreeView
        do throws(QueueFailure) {
            view = try await QueueRead.view(context)
        } catch {
            return error.response
        }
        let entries = queue.entries(in: view.tree)
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
        return .json(.ok, writer, zxid: view.zxid)
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
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("released"); writer.bool(true)
            writer.key("name"); writer.string(queue.name.rawValue)
            writer.key("key"); writer.string(target.key)
            writer.endObject()
            return .json(.ok, writer, zxid: committed.zxid)
        }
    }
}
