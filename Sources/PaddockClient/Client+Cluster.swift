import Foundation

extension Client {
    /// The cluster as the answering member sees it.
    ///
    /// - Throws: `PaddockError` (`.notFound` from a server without cluster routes).
    public func clusterStatus() async throws(PaddockError) -> ClusterInfo {
        try await cluster(Call(.GET, "/v1/cluster", isWrite: false))
    }

    /// Adds `name` as a learner reachable by peers at `peerAddress` (`host:port`).
    ///
    /// - Throws: `PaddockError` (`.badRequest` for a name or address in use,
    ///   `.notClustered` on a single node).
    public func addMember(name: String, peerAddress: String) async throws(PaddockError) -> ClusterInfo {
        let body = try Self.json(["name": name, "peerAddress": peerAddress])
        return try await cluster(Call(.POST, "/v1/cluster/members", body: body, isWrite: true))
    }

    /// Promotes the learner `name` to a voter.
    ///
    /// - Throws: `PaddockError` (`.noMember`, `.badRequest` for a voter or a learner
    ///   that has not caught up).
    public func promoteMember(name: String) async throws(PaddockError) -> ClusterInfo {
        let target = "/v1/cluster/members/\(PathEncoding.encode(name))/promote"
        return try await cluster(Call(.POST, target, isWrite: true))
    }

    /// Removes the member `name` (voter or learner).
    ///
    /// - Throws: `PaddockError` (`.noMember`, `.badRequest` for the last voter).
    public func removeMember(name: String) async throws(PaddockError) -> ClusterInfo {
        try await cluster(Call(.DELETE, "/v1/cluster/members/\(PathEncoding.encode(name))", isWrite: true))
    }

    /// Hands leadership to `name`, or to the most caught-up voter when nil.
    ///
    /// - Throws: `PaddockError` (`.noMember`, `.unavailable` when it did not finish in time).
    public func transferLeadership(to name: String? = nil) async throws(PaddockError) -> ClusterInfo {
        let body = try name.map { name throws(PaddockError) in try Self.json(["to": name]) }
        return try await cluster(Call(.POST, "/v1/cluster/transfer-leadership", body: body, isWrite: true))
    }

    private func cluster(_ call: Call) async throws(PaddockError) -> ClusterInfo {
        var call = call
        call.isLong = call.isWrite
        return try Self.decode(ClusterInfo.self, try await transport.perform(call))
    }
}
