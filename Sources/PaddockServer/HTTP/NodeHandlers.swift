import NIOCore
import NIOHTTP1
import PaddockAPI
import ZNodeTree

/// The handlers of `/v1/nodes/{path}`: read, create, set, delete.
enum NodeHandlers {
    static let getParameters: Set<String> = ["children", "stat", "encoding", "consistency"]
    static let setParameters: Set<String> = ["version"]
    static let deleteParameters: Set<String> = ["version", "recursive"]

    /// `GET`: data and stat, or with `?children` the sorted child names (with `&stat`
    /// also `stats`, each child's stat by name, and `stat`, the parent's). `?encoding=base64`, `Accept: application/octet-stream` for raw
    /// bytes, `?consistency=serializable` for a local read.
    static func get(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let read: NodeRead
        switch NodeRead.parse(request, limits: context.limits) {
        case .success(let parsed): read = parsed
        case .failure(let rejection): return rejection.response
        }
        let view: TreeView
        do {
            view = try await context.replica.read(read.consistency)
        } catch {
            return .problem(error)
        }
        return read.answer(from: view, request: request, limits: context.limits)
    }

    /// The fast path of `get`: answers when the replica has a view without waiting, and
    /// at once for a malformed request; nil otherwise.
    static func getNow(_ request: APIRequest, _ context: APIContext) -> APIResponse? {
        let read: NodeRead
        switch NodeRead.parse(request, limits: context.limits) {
        case .success(let parsed): read = parsed
        case .failure(let rejection): return rejection.response
        }
        let view: TreeView
        do {
            guard let now = try context.replica.readNow(read.consistency) else { return nil }
            view = now
        } catch {
            return .problem(error)
        }
        return read.answer(from: view, request: request, limits: context.limits)
    }

    /// A parsed `GET` of a node: what to read and how to render it.
    struct NodeRead {
        var path: ZNodePath
        var listChildren: Bool
        var withStat: Bool
        var encoding: DataEncoding
        var consistency: ReadConsistency

        static func parse(_ request: APIRequest, limits: Limits) -> Result<NodeRead, RequestRejection> {
            do throws(RequestRejection) {
                let query = try QueryParameters(request.rawQuery, allowed: NodeHandlers.getParameters)
                return .success(NodeRead(
                    path: try NodeCommands.path(raw: request.parameters["path"], limits: limits),
                    listChildren: try query.flag("children"),
                    withStat: try query.flag("stat"),
                    encoding: try NodeHandlers.encoding(query),
                    consistency: try NodeHandlers.consistency(query)
                ))
            } catch {
                return .failure(error)
            }
        }

        /// The response for this read from `view`.
        func answer(from view: TreeView, request: APIRequest, limits: Limits) -> APIResponse {
            if listChildren {
                return NodeHandlers.children(of: path, in: view, withStat: withStat, limits: limits)
            }
            guard let node = view.tree.node(at: path) else {
                return .problem(.noNode, "no node at \(path)", path: path.string, zxid: view.zxid)
            }
            if NodeHandlers.wantsRawBytes(request.headers) {
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: "application/octet-stream")
                headers.add(name: "Paddock-Version", value: String(node.stat.version))
                return APIResponse(status: .ok, headers: headers, body: ByteBuffer(bytes: node.data), zxid: view.zxid)
            }
            var writer = JSONWriter(capacity: 256 + node.data.count * 4 / 3)
            writer.beginObject()
            writer.key("path"); writer.string(path.string)
            writer.dataMembers(node.data, requested: encoding)
            writer.key("stat"); writer.stat(node.stat)
            writer.endObject()
            return .json(.ok, writer, zxid: view.zxid)
        }
    }

    private static func children(of path: ZNodePath, in view: TreeView, withStat: Bool, limits: Limits) -> APIResponse {
        guard let names = view.tree.children(of: path) else {
            return .problem(.noNode, "no node at \(path)", path: path.string, zxid: view.zxid)
        }
        guard names.count <= limits.childrenListedMax else {
            return .problem(
                .tooLarge, "\(path) has \(names.count) children; a listing returns at most \(limits.childrenListedMax)",
                path: path.string, zxid: view.zxid)
        }
        var writer = JSONWriter(capacity: 64 + names.count * (withStat ? 256 : 24))
        writer.beginObject()
        writer.key("path"); writer.string(path.string)
        writer.stringArray("children", names)
        if withStat {
            writer.key("stats")
            writer.beginObject()
            for name in names {
                guard let stat = view.tree.stat(at: path.appending(name)) else { continue }
                writer.key(name); writer.stat(stat)
            }
            writer.endObject()
            if let stat = view.tree.stat(at: path) {
                writer.key("stat"); writer.stat(stat)
            }
        }
        writer.endObject()
        return .json(.ok, writer, zxid: view.zxid)
    }

    /// `POST`: create. Body fields `data, encoding, kind, session, ttl, parents` (JSON or
    /// form) or raw bytes; 201 with `Location` naming the created path.
    static func create(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let op: CreateOp
        do {
            _ = try QueryParameters(request.rawQuery, allowed: [])
            let path = try NodeCommands.path(raw: request.parameters["path"], limits: context.limits)
            switch try RequestBody(of: request, acceptsRaw: true) {
            case .fields(let members, let isForm):
                let fields = try FieldReader(members, allowed: NodeCommands.createFields, isForm: isForm)
                op = try NodeCommands.create(at: path, fields, limits: context.limits)
            case .raw(let bytes):
                op = try NodeCommands.create(at: path, raw: bytes, limits: context.limits)
            }
        } catch {
            return error.response
        }
        return await Proposals.propose(.create(op), request, context) { committed in
            guard case .created(let created, let stat) = committed.result else { return nil }
            var writer = JSONWriter()
            writer.writtenNode(path: created.string, stat: stat)
            var response = APIResponse.json(.created, writer, zxid: committed.zxid)
            response.headers.add(name: "Location", value: "/v1/nodes" + PercentDecoding.encodePath(created.string))
            return response
        }
    }

    /// `PUT`: set data, conditional with `?version=N`. Body JSON `{"data","encoding"?}`,
    /// form `data=...`, or raw bytes.
    static func setData(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let op: SetDataOp
        do {
            let query = try QueryParameters(request.rawQuery, allowed: Self.setParameters)
            let version = try query.version()
            let path = try NodeCommands.path(raw: request.parameters["path"], limits: context.limits)
            switch try RequestBody(of: request, acceptsRaw: true) {
            case .fields(let members, let isForm):
                let fields = try FieldReader(members, allowed: NodeCommands.setFields, isForm: isForm)
                op = try NodeCommands.setData(at: path, fields, version: version, limits: context.limits)
            case .raw(let bytes):
                try NodeCommands.checkSize(bytes, limits: context.limits)
                op = SetDataOp(path: path, data: bytes, expectedVersion: version)
            }
        } catch {
            return error.response
        }
        return await Proposals.propose(.setData(op), request, context) { committed in
            guard case .setData(let stat) = committed.result else { return nil }
            var writer = JSONWriter()
            writer.writtenNode(path: op.path.string, stat: stat)
            return .json(.ok, writer, zxid: committed.zxid)
        }
    }

    /// `DELETE`: delete, conditional with `?version=N`, the whole subtree with `&recursive`;
    /// answers the deleted paths.
    static func delete(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let op: DeleteOp
        do {
            let query = try QueryParameters(request.rawQuery, allowed: Self.deleteParameters)
            let path = try NodeCommands.path(raw: request.parameters["path"], limits: context.limits)
            op = DeleteOp(path: path, expectedVersion: try query.version(), recursive: try query.flag("recursive"))
        } catch {
            return error.response
        }
        return await Proposals.propose(.delete(op), request, context) { committed in
            guard case .deleted(let paths) = committed.result else { return nil }
            var writer = JSONWriter()
            writer.beginObject()
            writer.stringArray("deleted", paths.lazy.map(\.string))
            writer.endObject()
            return .json(.ok, writer, zxid: committed.zxid)
        }
    }

    static func encoding(_ query: QueryParameters) throws(RequestRejection) -> DataEncoding {
        guard let name = query["encoding"] else { return .utf8 }
        guard let encoding = DataEncoding(rawValue: name) else {
            throw RequestRejection(.badRequest, "encoding must be utf8 or base64, got \"\(name)\"")
        }
        return encoding
    }

    static func consistency(_ query: QueryParameters) throws(RequestRejection) -> ReadConsistency {
        switch query["consistency"] {
        case nil, "linearizable": return .linearizable
        case "serializable": return .serializable
        case let other?:
            throw RequestRejection(.badRequest, "consistency must be linearizable or serializable, got \"\(other)\"")
        }
    }

    /// True when the client asked for raw bytes and not JSON.
    static func wantsRawBytes(_ headers: HTTPHeaders) -> Bool {
        for value in headers[canonicalForm: "accept"] {
            let type = value.split(separator: ";", maxSplits: 1).first?.trimmingSpaces().lowercased()
            if type == "application/octet-stream" { return true }
        }
        return false
    }
}
