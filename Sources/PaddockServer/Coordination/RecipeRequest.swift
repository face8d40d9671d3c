import PaddockAPI
import ZNodeTree

/// Request parsing and answer parts shared by the lock and election handlers.
enum RecipeRequest {
    /// The queue named by the route's `{name}`.
    ///
    /// - Throws: `BadRequest` naming the rule of `RecipeName`.
    static func queue(_ kind: RecipeKind, _ request: APIRequest) throws(RequestRejection) -> RecipeQueue {
        let raw = request.parameters["name"] ?? ""
        guard let name = RecipeName(raw) else {
            throw RequestRejection(
                .badRequest,
                "a \(kind.noun) name is 1 to \(RecipeName.bytesMax) characters of A-Z a-z 0-9 . _ - (not . or ..), got \"\(raw)\"")
        }
        return RecipeQueue(kind: kind, name: name)
    }

    /// The body's fields (JSON or form), refusing members not in `allowed`.
    static func fields(_ request: APIRequest, allowed: Set<String>) throws(RequestRejection) -> FieldReader {
        _ = try QueryParameters(request.rawQuery, allowed: [])
        guard case .fields(let members, let isForm) = try RequestBody(of: request, acceptsRaw: false) else {
            throw RequestRejection(.unsupportedMediaType, "send the fields as JSON or a form")
        }
        return try FieldReader(members, allowed: allowed, isForm: isForm)
    }

    /// The required `session` field.
    static func session(_ fields: FieldReader) throws(RequestRejection) -> SessionID {
        guard let session = try fields.session() else {
            throw RequestRejection(.badRequest, "\"session\" is missing: open one with POST /v1/sessions")
        }
        return session
    }

    /// The `wait` field in ms: 0 (answer at once) when absent, at most `watchWaitMsMax`.
    static func waitMs(_ fields: FieldReader, limits: Limits) throws(RequestRejection) -> Int64 {
        guard let value = fields.value("wait") else { return 0 }
        let ms = try DurationText.milliseconds(value, field: "wait")
        guard ms >= 0, ms <= limits.watchWaitMsMax else {
            throw RequestRejection(.badRequest, "\"wait\" must be between 0 and \(limits.watchWaitMsMax) ms, got \(ms)")
        }
        return ms
    }

    /// The contender `key` of `queue` from a route parameter or a field.
    ///
    /// - Throws: `BadRequest` for text that is no key of this kind.
    static func key(_ raw: String?, of queue: RecipeQueue) throws(RequestRejection) -> (key: String, path: ZNodePath) {
        guard let raw else { throw RequestRejection(.badRequest, "\"key\" is missing") }
        guard let path = queue.path(ofKey: raw) else {
            throw RequestRejection(
                .badRequest, "\"\(raw)\" is not a \(queue.kind.noun) key (\(queue.kind.keyPrefix) and 10 digits)")
        }
        return (raw, path)
    }

    /// The deadline `waitMs` from now.
    static func deadline(afterMs waitMs: Int64) -> ContinuousClock.Instant {
        ContinuousClock().now.advanced(by: .milliseconds(waitMs))
    }

    /// Writes `"value"` (and `"encoding":"base64"` when the bytes are not UTF-8).
    static func writeValue(_ data: [UInt8], to writer: inout JSONWriter) {
        if String(validating: data, as: UTF8.self) != nil {
            writer.key("value"); writer.string(utf8: data)
        } else {
            writer.key("value"); writer.string(DataEncoding.base64String(data))
            writer.key("encoding"); writer.string("base64")
        }
    }

    /// Writes one contender as `{"key","session","token"[,"value"]}`.
    static func writeEntry(_ entry: QueueEntry, withValue: Bool, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("key"); writer.string(entry.key)
        writer.key("session")
        if let session = entry.session { writer.string(session.description) } else { writer.null() }
        writer.key("token"); writer.number(entry.token.rawValue)
        if withValue { writeValue(entry.data, to: &writer) }
        writer.endObject()
    }

    /// The answer of an acquire or a campaign: `held`/`leader` true with the token, or
    /// false with the position.
    static func standingAnswer(
        _ standing: QueueWait.Standing, queue: RecipeQueue, flag: String, withValue: Bool
    ) -> APIResponse {
        let entry = standing.entry
        var writer = JSONWriter()
        writer.beginObject()
        writer.key(flag); writer.bool(standing.position == 0)
        writer.key("name"); writer.string(queue.name.rawValue)
        writer.key("key"); writer.string(entry.key)
        writer.key("path"); writer.string(entry.path.string)
        writer.key("session")
        if let session = entry.session { writer.string(session.description) } else { writer.null() }
        if standing.position == 0 {
            writer.key("token"); writer.number(entry.token.rawValue)
        } else {
            writer.key("position"); writer.number(standing.position)
            writer.key("ahead"); writer.number(standing.position)
        }
        if withValue { writeValue(entry.data, to: &writer) }
        writer.endObject()
        return .json(.ok, writer, zxid: standing.zxid)
    }

    /// Joins `queue` for `session` and waits for the head until `deadline`.
    static func acquire(
        _ queue: RecipeQueue, session: SessionID, data: [UInt8], deadline: ContinuousClock.Instant, context: APIContext
    ) async throws(QueueFailure) -> QueueWait.Standing {
        let entry = try await QueueJoin.join(queue, session: session, data: data, context: context)
        return try await QueueWait.standing(
            of: entry.key, in: queue, session: session, until: deadline, context: context)
    }

    /// Answers a join (a lock's acquire, an election's campaign): the queue the path names,
    /// `session` and `wait` (and `extraFields`) from the body, the node's data read by
    /// `data`, then the standing at the deadline (see `standingAnswer`).
    static func answerJoin(
        _ kind: RecipeKind, _ request: APIRequest, _ context: APIContext,
        extraFields: Set<String> = [], flag: String, withValue: Bool,
        data: (FieldReader) throws(RequestRejection) -> [UInt8] = { _ in [] }
    ) async -> APIResponse {
        let queue: RecipeQueue
        let session: SessionID
        let value: [UInt8]
        let deadline: ContinuousClock.Instant
        do throws(RequestRejection) {
            queue = try Self.queue(kind, request)
            let fields = try Self.fields(request, allowed: extraFields.union(["session", "wait"]))
            session = try Self.session(fields)
            value = try data(fields)
            deadline = Self.deadline(afterMs: try waitMs(fields, limits: context.limits))
        } catch {
            return error.response
        }
        do throws(QueueFailure) {
            let standing = try await acquire(queue, session: session, data: value, deadline: deadline, context: context)
            return standingAnswer(standing, queue: queue, flag: flag, withValue: withValue)
        } catch {
            return error.response
        }
    }

    /// The queue a `GET` of a lock or an election names (no query parameters), with its
    /// entries in order as of one view of the tree, and that view's zxid.
    /// - Throws: `QueueFailure` with the refusal of the request or the replica's error.
    static func shown(
        _ kind: RecipeKind, _ request: APIRequest, _ context: APIContext
    ) async throws(QueueFailure) -> (queue: RecipeQueue, entries: [QueueEntry], zxid: Zxid) {
        let queue: RecipeQueue
        do throws(RequestRejection) {
            queue = try Self.queue(kind, request)
            _ = try QueryParameters(request.rawQuery, allowed: [])
        } catch {
            throw QueueFailure(response: error.response)
        }
        let view = try await QueueRead.view(context)
        return (queue, queue.entries(in: view.tree), view.zxid)
    }

    /// The answer of a release or a resign: `{flag: true, "name", "key"}`.
    static func leftAnswer(flag: String, queue: RecipeQueue, key: String, zxid: Zxid) -> APIResponse {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key(flag); writer.bool(true)
        writer.key("name"); writer.string(queue.name.rawValue)
        writer.key("key"); writer.string(key)
        writer.endObject()
        return .json(.ok, writer, zxid: zxid)
    }
}
