import NIOCore
import NIOHTTP1
import PaddockAPI
import ZNodeTree

/// The handlers of `GET /v1/watch/{path}`: a Server-Sent Events stream of changes, or
/// with `wait` a long-poll answered in JSON. See docs/watches.md.
enum WatchHandlers {
    static let parameters: Set<String> = ["recursive", "since", "initial", "once", "wait", "encoding"]

    /// A parsed watch request.
    struct WatchRequest: Sendable {
        var filter: WatchFilter
        /// Resume after this zxid (from `Last-Event-ID`, else `since`); nil for "now".
        var since: Zxid?
        var initial: Bool
        /// A long-poll's wait in ms; nil for a stream.
        var waitMs: Int64?
        var encoding: DataEncoding

        var start: WatchHub.Start {
            if let since { return .after(since) }
            return initial ? .initial : .now
        }

        static func parse(_ request: APIRequest, limits: Limits) throws(RequestRejection) -> WatchRequest {
            let query = try QueryParameters(request.rawQuery, allowed: WatchHandlers.parameters)
            let path = try NodeCommands.path(raw: request.parameters["path"], limits: limits)
            var since = try query["since"].map { text throws(RequestRejection) in try WatchHandlers.zxid(text, name: "since") }
            var initial = try query.flag("initial")
            if since != nil && initial {
                throw RequestRejection(.badRequest, "give either since (resume) or initial (start from the current state), not both")
            }
            // An EventSource reconnects to the same URL with Last-Event-ID: the header is
            // newer than the query, so it wins over both since and initial.
            if let header = request.headers.first(name: "last-event-id"), !header.isEmpty {
                since = try WatchHandlers.zxid(header, name: "Last-Event-ID")
                initial = false
            }
            var waitMs: Int64?
            if let text = query["wait"] {
                let ms = try DurationText.milliseconds(text, field: "wait")
                guard ms >= 0, ms <= limits.watchWaitMsMax else {
                    throw RequestRejection(.badRequest, "\"wait\" must be between 0 and \(limits.watchWaitMsMax) ms, got \"\(text)\"")
                }
                if initial {
                    throw RequestRejection(.badRequest, "a long-poll (wait) does not take initial; read the node, then poll with since")
                }
                waitMs = ms
            }
            return WatchRequest(
                filter: WatchFilter(path: path, recursive: try query.flag("recursive"), once: try query.flag("once")),
                since: since, initial: initial, waitMs: waitMs, encoding: try NodeHandlers.encoding(query))
        }
    }

    /// A zxid given as text: a non-negative decimal integer.
    static func zxid(_ text: String, name: String) throws(RequestRejection) -> Zxid {
        guard !text.isEmpty, text.utf8.count <= 20, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = UInt64(text) else {
            throw RequestRejection(.badRequest, "\(name) must be a zxid (a non-negative integer), got \"\(text)\"")
        }
        return Zxid(value)
    }

    /// The fast path: answers bad requests, and starts a stream whose `since` is applied
    /// here already; nil for long-polls and for a `since` this member has not reached.
    static func watchNow(_ request: APIRequest, _ context: APIContext) -> APIResponse? {
        let parsed: WatchRequest
        do {
            parsed = try WatchRequest.parse(request, limits: context.limits)
        } catch {
            return error.response
        }
        guard let hub = context.watchHub else { return noHub() }
        guard parsed.waitMs == nil else { return nil }
        if let since = parsed.since, since > hub.appliedZxid { return nil }
        return stream(parsed, hub: hub)
    }

    /// `GET /v1/watch/{path}`: waits until `since` is applied here (at most
    /// `proposalWaitMs`), then streams, or long-polls when `wait` is given.
    static func watch(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let parsed: WatchRequest
        do {
            parsed = try WatchRequest.parse(request, limits: context.limits)
        } catch {
            return error.response
        }
        guard let hub = context.watchHub else { return noHub() }
        if let since = parsed.since, since > hub.appliedZxid {
            guard await hub.waitUntilApplied(since, timeoutMs: context.limits.proposalWaitMs) else {
                return notApplied(since: since, applied: hub.appliedZxid, waitedMs: context.limits.proposalWaitMs)
            }
        }
        guard let waitMs = parsed.waitMs else { return stream(parsed, hub: hub) }
        let outcome = await LongPollWatcher.poll(
            hub: hub, filter: parsed.filter, since: parsed.since ?? hub.appliedZxid, waitMs: waitMs,
            eventsMax: context.limits.watchBufferEventsMax)
        switch outcome {
        case .failure(let refusal):
            return refused(refusal.registration, since: parsed.since, path: parsed.filter.path)
        case .success(let answer):
            if answer.ended == .shutdown {
                return refused(.closed, since: parsed.since, path: parsed.filter.path)
            }
            var writer = JSONWriter(capacity: 64 + answer.events.count * 320)
            writer.beginObject()
            writer.key("events")
            writer.beginArray()
            for event in answer.events { WatchFrames.write(&writer, event, encoding: parsed.encoding) }
            writer.endArray()
            writer.key("zxid"); writer.number(answer.zxid.rawValue)
            writer.endObject()
            return .json(.ok, writer, zxid: answer.zxid)
        }
    }

    /// Registers a stream and answers with its head, or with the registration's refusal.
    private static func stream(_ parsed: WatchRequest, hub: WatchHub) -> APIResponse {
        let stream = WatchStream(hub: hub, encoding: parsed.encoding, once: parsed.filter.once)
        switch hub.register(stream, filter: parsed.filter, start: parsed.start) {
        case .started(let startZxid), .satisfied(let startZxid):
            return .streaming(stream, headers: streamHeaders, zxid: startZxid)
        case let other:
            return refused(other, since: parsed.since, path: parsed.filter.path)
        }
    }

    private static let streamHeaders: HTTPHeaders = [
        "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
    ]

    /// The problem for a registration that did not start.
    private static func refused(_ registration: WatchHub.Registration, since: Zxid?, path: ZNodePath) -> APIResponse {
        switch registration {
        case .compacted(let oldest):
            return compacted(since: since ?? .zero, oldest: oldest, path: path)
        case .notYetApplied(let applied):
            return notApplied(since: since ?? .zero, applied: applied, waitedMs: 0)
        case .tooManyWatchers:
            return .problem(ReplicaError(
                code: .unavailable, message: "the member has as many watchers as it allows; retry shortly", retryAfterSeconds: 1))
        case .closed, .started, .satisfied:
            return .problem(ReplicaError(code: .shuttingDown, message: "the member is shutting down"))
        }
    }

    /// 410 `Compacted`, naming the oldest zxid a watch can resume from (`oldestZxid` in the
    /// body and the `Paddock-Oldest-Zxid` header). The recovery is `?initial`.
    static func compacted(since: Zxid, oldest: Zxid, path: ZNodePath) -> APIResponse {
        let problem = ProblemDetails(
            .compacted,
            detail: "the changes after zxid \(since) are no longer kept; the oldest zxid to resume from is \(oldest). "
                + "Start again with ?initial to get the current state and the changes after it",
            path: path.string)
        var writer = JSONWriter(capacity: 320)
        writer.beginObject()
        writer.key("type"); writer.string(problem.type)
        writer.key("title"); writer.string(problem.title)
        writer.key("status"); writer.number(problem.status)
        writer.key("detail"); writer.string(problem.detail)
        writer.key("code"); writer.string(problem.code)
        writer.key("path"); writer.string(path.string)
        writer.key("oldestZxid"); writer.number(oldest.rawValue)
        writer.endObject()
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: ProblemDetails.mediaType)
        headers.add(name: "Paddock-Oldest-Zxid", value: String(oldest.rawValue))
        return APIResponse(status: .gone, headers: headers, body: ByteBuffer(bytes: writer.bytes))
    }

    /// 503 for a `since` this member has not applied within the wait.
    private static func notApplied(since: Zxid, applied: Zxid, waitedMs: Int64) -> APIResponse {
        .problem(ReplicaError(
            code: .unavailable,
            message: "this member has applied through zxid \(applied), not yet \(since) (waited \(waitedMs) ms); "
                + "retry, or use a member that is not behind",
            retryAfterSeconds: 1))
    }

    private static func noHub() -> APIResponse {
        .problem(ReplicaError(code: .unavailable, message: "this member serves no watches"))
    }
}
