import PaddockAPI
import ZNodeTree

extension Client {
    /// Opens a session that lives while keepalives arrive within `ttlMs`.
    ///
    /// Prefer `Session.open`, which keeps the session alive. Opening is not idempotent on
    /// the server: when an answer is lost and the open is retried, the first session is
    /// left to expire after its TTL.
    /// - Throws: `PaddockError` (`.badRequest` for a TTL outside the server's bounds).
    public func openSession(ttlMs: Int64) async throws(PaddockError) -> SessionGrant {
        let body = try Self.json(SessionBody(ttl: ttlMs))
        let answer = try await transport.perform(Call(.POST, "/v1/sessions", body: body, isWrite: true))
        let decoded = try Self.decode(SessionBody.self, answer)
        guard let id = decoded.id?.id else {
            throw PaddockError(.invalidResponse, "the opened session has no id", endpoint: answer.endpoint)
        }
        return SessionGrant(id: id, ttlMs: decoded.ttl, zxid: try Self.requireZxid(answer))
    }

    /// Extends a session by its TTL.
    ///
    /// - Throws: `PaddockError` (`.sessionExpired` once it is gone).
    /// - Parameter callTimeoutMs: the deadline of this call, retries included (default:
    ///   the configuration's `callTimeoutMs`).
    @discardableResult
    public func keepAlive(_ session: SessionID, callTimeoutMs: Int64? = nil) async throws(PaddockError)
        -> KeepAliveResult
    {
        let call = Call(.POST, "/v1/sessions/\(session)/keepalive", isWrite: true)
        let answer = try await transport.perform(call, callTimeoutMs: callTimeoutMs)
        let decoded = try Self.decode(KeepAliveBody.self, answer)
        return KeepAliveResult(id: decoded.id.id, remainingMs: decoded.remaining, zxid: answer.zxid)
    }

    /// Closes a session and deletes its ephemeral nodes.
    ///
    /// - Throws: `PaddockError` (`.sessionExpired` when it is already gone, which a retried
    ///   close whose first answer was lost also gets).
    @discardableResult
    public func closeSession(_ session: SessionID) async throws(PaddockError) -> SessionClosed {
        let answer = try await transport.perform(Call(.DELETE, "/v1/sessions/\(session)", isWrite: true))
        let decoded = try Self.decode(SessionClosedBody.self, answer)
        return SessionClosed(id: decoded.id.id, deleted: decoded.deleted, zxid: try Self.requireZxid(answer))
    }

    /// Downloads a snapshot of the whole tree (zlib-compressed), for backups.
    ///
    /// - Throws: `PaddockError` (`.notFound` from a server without `/v1/snapshot`).
    public func snapshot() async throws(PaddockError) -> SnapshotDownload {
        var call = Call(.GET, "/v1/snapshot", isWrite: false, headers: [("Accept", "application/octet-stream")])
        call.isLong = true
        let answer = try await transport.perform(call)
        let count = answer.headers.first(name: "Paddock-Snapshot-Bytes").flatMap { Int($0) }
        return SnapshotDownload(bytes: answer.body, zxid: try Self.requireZxid(answer), uncompressedCount: count)
    }
}
