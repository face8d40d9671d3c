import NIOHTTP1
import PaddockAPI
import RaftCore
import ZNodeTree

/// The handlers of `/v1/cluster`: the cluster's state, membership changes, leadership
/// transfer.
///
/// Every request is checked in full (query, body, names, addresses) before the member is
/// asked anything, so a refused request changes nothing. A single node (no
/// `APIContext.cluster`) answers `GET /v1/cluster` as a one-member cluster it leads and
/// every change with 409 `NotClustered`. How long a change may wait for its commit is
/// bounded by the `ClusterControl` implementation, which throws `.unavailable` past it.
enum ClusterHandlers {
    /// The member name of a single node in `GET /v1/cluster`.
    static let singleNodeName = MemberName("default")!

    /// `GET /v1/cluster` → `{"clusterId","self","leader","term","commitIndex",
    /// "appliedIndex","members":[{"name","role","peerAddress","httpAddress","matchIndex","lag"}]}`.
    static func status(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        statusNow(request, context)
    }

    /// `status` without a task: the member's view is read under a short lock, so it never
    /// waits.
    static func statusNow(_ request: APIRequest, _ context: APIContext) -> APIResponse {
        do throws(RequestRejection) {
            _ = try QueryParameters(request.rawQuery, allowed: [])
            try requireEmptyBody(request)
        } catch {
            return error.response
        }
        let status = context.cluster?.clusterStatus() ?? singleNodeStatus(context.replica.status)
        return response(.ok, status)
    }

    /// `POST /v1/cluster/members` with `{"name","peerAddress"}` → 201 and the cluster's
    /// status once the learner is added.
    static func addMember(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let name: MemberName
        let peerAddress: PeerAddress
        do throws(RequestRejection) {
            _ = try QueryParameters(request.rawQuery, allowed: [])
            let fields = try bodyFields(request, allowed: ["name", "peerAddress"])
            guard let nameText = try fields.string("name") else {
                throw RequestRejection(.badRequest, "\"name\" is required")
            }
            name = try memberName(nameText)
            guard let addressText = try fields.string("peerAddress") else {
                throw RequestRejection(.badRequest, "\"peerAddress\" (HOST:PORT where the member listens for peers) is required")
            }
            do throws(PeerAddressError) {
                peerAddress = try PeerAddress(parsing: addressText)
            } catch {
                throw RequestRejection(.badRequest, "\"peerAddress\": \(error.message)")
            }
        } catch {
            return error.response
        }
        return await change(context, status: .created) { cluster throws(ClusterError) in
            try await cluster.addLearner(name: name, peerAddress: peerAddress.description)
        }
    }

    /// `POST /v1/cluster/members/{name}/promote` → the status once the learner votes.
    static func promote(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let name: MemberName
        do throws(RequestRejection) {
            _ = try QueryParameters(request.rawQuery, allowed: [])
            _ = try bodyFields(request, allowed: [])
            name = try memberName(request.parameters["name"].map(String.init) ?? "")
        } catch {
            return error.response
        }
        return await change(context, status: .ok) { cluster throws(ClusterError) in
            try await cluster.promote(name: name)
        }
    }

    /// `DELETE /v1/cluster/members/{name}` → the status once the member is removed.
    static func remove(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let name: MemberName
        do throws(RequestRejection) {
            _ = try QueryParameters(request.rawQuery, allowed: [])
            try requireEmptyBody(request)
            name = try memberName(request.parameters["name"].map(String.init) ?? "")
        } catch {
            return error.response
        }
        return await change(context, status: .ok) { cluster throws(ClusterError) in
            try await cluster.remove(name: name)
        }
    }

    /// `POST /v1/cluster/transfer-leadership` with an optional `{"to":"n2"}` → the status
    /// once a new leader is known.
    static func transferLeadership(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        let target: MemberName?
        do throws(RequestRejection) {
            _ = try QueryParameters(request.rawQuery, allowed: [])
            let fields = try bodyFields(request, allowed: ["to"])
            target = try fields.string("to").map { text throws(RequestRejection) in try memberName(text) }
        } catch {
            return error.response
        }
        return await change(context, status: .ok) { cluster throws(ClusterError) in
            try await cluster.transferLeadership(to: target)
        }
    }

    /// Runs a change on the cluster and answers its status, or the problem for its error.
    private static func change(
        _ context: APIContext, status: HTTPResponseStatus,
        _ body: (any ClusterControl) async throws(ClusterError) -> ClusterStatus
    ) async -> APIResponse {
        guard let cluster = context.cluster else {
            return problem(ClusterError(code: .notClustered, message: "this member runs alone (no --peers); membership cannot change"))
        }
        do throws(ClusterError) {
            return response(status, try await body(cluster))
        } catch {
            return problem(error)
        }
    }

    /// The one-member view of a single node: it leads term 1 and its applied index is
    /// its commit index (a single node applies what it commits before answering).
    static func singleNodeStatus(_ replica: ReplicaStatus) -> ClusterStatus {
        let index = LogIndex(replica.appliedZxid.rawValue)
        let member = MemberStatus(
            name: singleNodeName, role: .leader, peerAddress: "", httpAddress: nil, matchIndex: index, lagEntries: 0)
        return ClusterStatus(
            clusterID: ClusterBootstrap.defaultClusterID, selfName: singleNodeName, leader: singleNodeName,
            term: Term(1), commitIndex: index, appliedIndex: index, members: [member])
    }

    /// The problem for a `ClusterError`: 400 `BadRequest`, 404 `NoMember`, 503
    /// `Unavailable` (with `Retry-After: 1`) or 409 `NotClustered`.
    static func problem(_ error: ClusterError) -> APIResponse {
        let code: APIErrorCode
        var headers = HTTPHeaders()
        switch error.code {
        case .badRequest: code = .badRequest
        case .notFound: code = .noMember
        case .unavailable:
            code = .unavailable
            headers.add(name: "Retry-After", value: "1")
        case .notClustered: code = .notClustered
        }
        return .problem(ProblemDetails(code, detail: error.message), extraHeaders: headers)
    }

    /// The JSON answer for `status`, at its applied index.
    static func response(_ httpStatus: HTTPResponseStatus, _ status: ClusterStatus) -> APIResponse {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("clusterId"); writer.string(status.clusterID)
        writer.key("self"); writer.string(status.selfName.rawValue)
        writer.key("leader")
        if let leader = status.leader { writer.string(leader.rawValue) } else { writer.null() }
        writer.key("term"); writer.number(status.term.rawValue)
        writer.key("commitIndex"); writer.number(status.commitIndex.rawValue)
        writer.key("appliedIndex"); writer.number(status.appliedIndex.rawValue)
        writer.key("members")
        writer.beginArray()
        for member in status.members.sorted(by: { $0.name < $1.name }) {
            writer.beginObject()
            writer.key("name"); writer.string(member.name.rawValue)
            writer.key("role"); writer.string(member.role.rawValue)
            // A single node has no peer listener: its peer address is empty, written as null.
            writer.key("peerAddress")
            if member.peerAddress.isEmpty { writer.null() } else { writer.string(member.peerAddress) }
            writer.key("httpAddress")
            if let address = member.httpAddress { writer.string(address) } else { writer.null() }
            writer.key("matchIndex")
            if let index = member.matchIndex { writer.number(index.rawValue) } else { writer.null() }
            writer.key("lag")
            if let lag = member.lagEntries { writer.number(lag) } else { writer.null() }
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return .json(httpStatus, writer, zxid: Zxid(status.appliedIndex.rawValue))
    }

    /// A member name from the path or the body, or 400 naming the rule.
    private static func memberName(_ text: String) throws(RequestRejection) -> MemberName {
        guard let name = MemberName(text) else {
            throw RequestRejection(
                .badRequest, "\"\(text)\" is not a member name: 1 to 64 characters of A-Z a-z 0-9 . _ -")
        }
        return name
    }

    /// The fields of an optional JSON (or form) body, limited to `allowed`.
    private static func bodyFields(_ request: APIRequest, allowed: Set<String>) throws(RequestRejection) -> FieldReader {
        guard case .fields(let members, let isForm) = try RequestBody(of: request, acceptsRaw: false) else {
            throw RequestRejection(.unsupportedMediaType, "send the request as JSON")
        }
        return try FieldReader(members, allowed: allowed, isForm: isForm)
    }

    /// Refuses a body on a route that reads none.
    private static func requireEmptyBody(_ request: APIRequest) throws(RequestRejection) {
        guard request.body.readableBytes == 0 else {
            throw RequestRejection(.badRequest, "this route takes no body")
        }
    }
}
