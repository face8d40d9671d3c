import Foundation
import PaddockTestSupport

/// Requests the cluster tests send to one member, and waiting for a condition.
extension ClusterHarness {
    /// What a read of one node answered.
    typealias NodeRead = ClusterHarness.Endpoint.NodeRead

    /// `POST /v1/nodes{path}` with `data` through `name`; returns the status and zxid.
    func create(_ path: String, data: String, via name: String) async throws -> (status: Int, zxid: UInt64?) {
        try await member(name).create(path, data: data)
    }

    /// `PUT /v1/nodes{path}` with `data` through `name`; returns the status, the new
    /// version and the zxid of the write.
    func set(_ path: String, data: String, via name: String) async throws -> (status: Int, version: Int64?, zxid: UInt64?) {
        try await member(name).set(path, data: data)
    }

    /// `GET /v1/nodes{path}` on `name`, linearizable unless `serializable`.
    func read(_ path: String, on name: String, serializable: Bool = false) async throws -> NodeRead {
        try await member(name).read(path, serializable: serializable)
    }

    /// `GET /v1/cluster` of `name`, parsed.
    func clusterStatus(_ name: String) async throws -> [String: Any] {
        try await member(name).clusterStatus()
    }

    /// A number field of `GET /v1/cluster` on `name` (`appliedIndex`, `commitIndex`, `term`).
    func clusterNumber(_ field: String, on name: String) async throws -> UInt64? {
        (try await clusterStatus(name)[field] as? NSNumber)?.uint64Value
    }

    /// The `role` of each member in `GET /v1/cluster` on `name`.
    func roles(on name: String) async throws -> [String: String] {
        try await member(name).roles()
    }

    /// `eventually` with the pace of the process tests: every 20 ms (each poll is an
    /// HTTP request to a member), 15 s at most by default.
    static func eventually(
        timeoutMs: Int = 15_000, pollMs: Int = 20, _ condition: () async throws -> Bool
    ) async -> Bool {
        await PaddockTestSupport.eventually(timeoutMs: timeoutMs, pollMs: pollMs, condition)
    }

    /// Runs `body` on a started cluster and stops every member afterwards, also when
    /// `body` throws.
    static func with(
        count: Int, extraArgs: [String] = [], proxies: PeerLinkProxyStarter? = nil,
        _ body: (ClusterHarness) async throws -> Void
    ) async throws {
        let cluster = try ClusterHarness()
        do {
            try await cluster.start(count: count, extraArgs: extraArgs, proxies: proxies)
            try await body(cluster)
        } catch {
            await cluster.stopAll()
            throw error
        }
        await cluster.stopAll()
    }
}

/// The requests of the cluster tests, sent to one member.
extension ClusterHarness.Endpoint {
    /// What a read of one node answered.
    struct NodeRead: Sendable, Equatable {
        /// The HTTP status.
        var status: Int
        /// `data` when 200.
        var data: String?
        /// `stat.version` when 200.
        var version: Int64?
        /// The `Paddock-Zxid` header.
        var zxid: UInt64?
    }

    /// `POST /v1/nodes{path}` with `data`; returns the status and zxid.
    func create(_ path: String, data: String) async throws -> (status: Int, zxid: UInt64?) {
        let response = try await client.send("POST", "/v1/nodes\(path)", json: ["data": data])
        return (response.status, response.headers["paddock-zxid"].flatMap { UInt64($0) })
    }

    /// `PUT /v1/nodes{path}` with `data`; returns the status, the new version and the
    /// zxid of the write.
    func set(_ path: String, data: String) async throws -> (status: Int, version: Int64?, zxid: UInt64?) {
        let response = try await client.send("PUT", "/v1/nodes\(path)", json: ["data": data])
        let version = ((response.json?["stat"] as? [String: Any])?["version"] as? NSNumber)?.int64Value
        return (response.status, version, response.headers["paddock-zxid"].flatMap { UInt64($0) })
    }

    /// `GET /v1/nodes{path}`, linearizable unless `serializable`.
    func read(_ path: String, serializable: Bool = false) async throws -> NodeRead {
        let query = serializable ? "?consistency=serializable" : ""
        let response = try await client.send("GET", "/v1/nodes\(path)\(query)")
        let json = response.status == 200 ? response.json : nil
        return NodeRead(
            status: response.status, data: json?["data"] as? String,
            version: ((json?["stat"] as? [String: Any])?["version"] as? NSNumber)?.int64Value,
            zxid: response.headers["paddock-zxid"].flatMap { UInt64($0) })
    }

    /// `GET /v1/cluster`, parsed.
    /// - Throws: `HarnessError` for an answer other than 200 with a JSON object.
    func clusterStatus() async throws -> [String: Any] {
        let response = try await client.send("GET", "/v1/cluster")
        guard response.status == 200, let json = response.json else {
            throw HarnessError(description: "GET /v1/cluster on \(name): \(response.status)")
        }
        return json
    }

    /// The `role` of each member in `GET /v1/cluster`.
    func roles() async throws -> [String: String] {
        let members = try await clusterStatus()["members"] as? [[String: Any]] ?? []
        var roles: [String: String] = [:]
        for member in members {
            if let memberName = member["name"] as? String { roles[memberName] = member["role"] as? String }
        }
        return roles
    }
}
