import NIOCore
import NIOHTTP1

/// `GET /metrics`: the member's metrics in the Prometheus text format, version 0.0.4.
enum MetricsHandler {
    /// The media type Prometheus asks for and expects back.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The exposition; see `metricsNow`.
    static func metrics(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        metricsNow(request, context)
    }

    /// The exposition without a task: sampling takes short locks and the text is a few
    /// kilobytes, so the event loop answers it at once.
    static func metricsNow(_ request: APIRequest, _ context: APIContext) -> APIResponse {
        let text = context.metrics.exposition()
        return APIResponse(
            status: .ok, headers: ["Content-Type": contentType], body: ByteBuffer(string: text),
            zxid: context.replica.status.appliedZxid)
    }
}
