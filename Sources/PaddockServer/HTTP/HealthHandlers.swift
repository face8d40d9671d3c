import PaddockAPI
import ZNodeTree

/// `/healthz` and `/readyz`.
enum HealthHandlers {
    /// `GET /healthz`: 200 `{"status":"ok"}` while the member serves; 503 once its
    /// storage failed (it then refuses everything and must be restarted).
    static func health(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        healthNow(request, context)
    }

    /// `health` without a task: the status is read under a short lock, so it never waits.
    static func healthNow(_ request: APIRequest, _ context: APIContext) -> APIResponse {
        let status = context.replica.status
        guard status.isHealthy else {
            return .problem(.unavailable, "storage failed; this member no longer serves", zxid: status.appliedZxid)
        }
        return ok(zxid: status.appliedZxid)
    }

    /// `GET /readyz`: 200 when the member takes requests (recovery done), else 503.
    static func ready(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        readyNow(request, context)
    }

    /// `ready` without a task, as `healthNow`.
    static func readyNow(_ request: APIRequest, _ context: APIContext) -> APIResponse {
        let status = context.replica.status
        guard status.isReady, status.isHealthy else {
            return .problem(.unavailable, "this member is not ready", zxid: status.appliedZxid)
        }
        return ok(zxid: status.appliedZxid)
    }

    private static func ok(zxid: Zxid) -> APIResponse {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("status"); writer.string("ok")
        writer.key("zxid"); writer.number(zxid.rawValue)
        writer.endObject()
        return .json(.ok, writer, zxid: zxid)
    }
}
