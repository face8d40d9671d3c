import PaddockAPI
import ZNodeTree

/// `POST /v1/txn`: an atomic multi-operation.
///
/// Body `{"ops":[{"op":"check|create|set|delete","path":...}, ...]}` where each op takes
/// the fields of its single-node form (`create`: data, encoding, kind, session, ttl,
/// parents; `set`: data, encoding, version; `delete`: version, recursive; `check`:
/// version). `{"op":"fence","lock":"NAME","token":N}` (or `"election":"NAME"`) takes no
/// path: it holds only while the lock's holder (the election's leader) has token N, else
/// the whole transaction fails with `FenceMismatch` (409). All or nothing: the answer lists one result per op, or is the failing op's
/// problem with `opIndex` (also for ops refused before proposing).
enum TxnHandler {
    static func handle(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let ops: [Op]
        do throws(RequestRejection) {
            _ = try QueryParameters(request.rawQuery, allowed: [])
            guard request.body.readableBytes > 0 else {
                throw RequestRejection(.badRequest, "the body must be a JSON object {\"ops\": [...]}")
            }
            // `curl -d` labels JSON as a form; read it as JSON, as the node handlers do.
            let isFormLabelledJSON = request.contentType == "application/x-www-form-urlencoded"
                && RequestBody.startsWithBrace(request.body)
            guard request.contentType == "application/json" || request.contentType == nil || isFormLabelledJSON else {
                throw RequestRejection(.unsupportedMediaType, "a transaction is sent as application/json")
            }
            let body = try FieldReader(RequestBody.jsonObject(request.body), allowed: ["ops"])
            guard let list = body.value("ops") else { throw RequestRejection(.badRequest, "\"ops\" is missing") }
            guard case .array(let elements) = list else {
                throw RequestRejection(.badRequest, "\"ops\" must be an array, got a \(list.typeName)")
            }
            guard !elements.isEmpty else { throw RequestRejection(.badRequest, "\"ops\" is empty") }
            guard elements.count <= context.limits.txnOpsMax else {
                throw RequestRejection(
                    .tooLarge, "a transaction has at most \(context.limits.txnOpsMax) ops, got \(elements.count)")
            }
            var decoded: [Op] = []
            decoded.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                decoded.append(try op(element, index: index, limits: context.limits))
            }
            ops = decoded
        } catch {
            return error.response
        }
        return await Proposals.propose(.multi(ops), request, context) { committed in
            guard case .multi(let results) = committed.result, results.count == ops.count else { return nil }
            var writer = JSONWriter(capacity: 64 + results.count * 256)
            writer.beginObject()
            writer.key("results")
            writer.beginArray()
            for (result, op) in zip(results, ops) { write(result, of: op, to: &writer) }
            writer.endArray()
            writer.endObject()
            return .json(.ok, writer, zxid: committed.zxid)
        }
    }

    private static func op(_ element: JSONValue, index: Int, limits: Limits) throws(RequestRejection) -> Op {
        guard case .object(let members) = element else {
            throw RequestRejection(.badRequest, "op \(index) must be a JSON object, got a \(element.typeName)", opIndex: index)
        }
        let head = try FieldReader(members, allowed: Set(members.map(\.key)), opIndex: index)
        guard let name = try head.string("op") else {
            throw RequestRejection(.badRequest, "op \(index) has no \"op\" (check, create, set, delete or fence)", opIndex: index)
        }
        if name == "fence" { return try fence(members, index: index) }
        guard let pathText = try head.string("path") else {
            throw RequestRejection(.badRequest, "op \(index) has no \"path\"", opIndex: index)
        }
        let path = try NodeCommands.path(text: pathText, limits: limits, opIndex: index)
        let common: Set<String> = ["op", "path"]
        switch name {
        case "create":
            let fields = try FieldReader(members, allowed: common.union(NodeCommands.createFields), opIndex: index)
            return .create(try NodeCommands.create(at: path, fields, limits: limits))
        case "set":
            let fields = try FieldReader(members, allowed: common.union(NodeCommands.setFields), opIndex: index)
            return .setData(try NodeCommands.setData(at: path, fields, version: nil, limits: limits))
        case "delete":
            let fields = try FieldReader(members, allowed: common.union(["version", "recursive"]), opIndex: index)
            return .delete(DeleteOp(path: path, expectedVersion: try fields.version(), recursive: try fields.bool("recursive") ?? false))
        case "check":
            let fields = try FieldReader(members, allowed: common.union(["version"]), opIndex: index)
            return .check(CheckOp(path: path, expectedVersion: try fields.version()))
        default:
            throw RequestRejection(
                .badRequest, "op \(index): \"op\" must be check, create, set, delete or fence, got \"\(name)\"",
                opIndex: index)
        }
    }

    /// A fence op: `{"op":"fence","lock":"NAME","token":N}` or with `"election"`.
    private static func fence(_ members: [(key: String, value: JSONValue)], index: Int) throws(RequestRejection) -> Op {
        let fields = try FieldReader(members, allowed: ["op", "lock", "election", "token"], opIndex: index)
        let lock = try fields.string("lock")
        let election = try fields.string("election")
        let kind: RecipeKind
        let text: String
        switch (lock, election) {
        case (let name?, nil): (kind, text) = (.lock, name)
        case (nil, let name?): (kind, text) = (.election, name)
        default: throw fields.reject("a fence op names exactly one of \"lock\" or \"election\"")
        }
        guard let name = RecipeName(text) else {
            throw fields.reject(
                "a \(kind.noun) name is 1 to \(RecipeName.bytesMax) characters of A-Z a-z 0-9 . _ - (not . or ..), got \"\(text)\"")
        }
        guard let value = fields.value("token") else { throw fields.reject("a fence op needs \"token\"") }
        guard case .number(let digits) = value, let token = UInt64(digits) else {
            throw fields.reject("\"token\" must be a non-negative integer (a grant's token), got \(value.typeName)")
        }
        return .fence(FenceOp(directory: RecipeQueue(kind: kind, name: name).directory, token: Zxid(token)))
    }

    private static func write(_ result: OpResult, of op: Op, to writer: inout JSONWriter) {
        writer.beginObject()
        switch result {
        case .created(let path, let stat):
            writer.key("op"); writer.string("create")
            writer.key("path"); writer.string(path.string)
            writer.key("stat"); writer.stat(stat)
        case .setData(let stat):
            writer.key("op"); writer.string("set")
            writer.key("stat"); writer.stat(stat)
        case .deleted(let path):
            writer.key("op"); writer.string("delete")
            writer.key("path"); writer.string(path.string)
        case .checked:
            if case .fence = op { writer.key("op"); writer.string("fence") } else { writer.key("op"); writer.string("check") }
        }
        writer.endObject()
    }
}
