import Foundation
import Logging
import PaddockAPI
import PaddockTestSupport
import Testing
import ZNodeTree

@testable import PaddockServer

/// A single-node member with its HTTP server on a port the system picks, in a temp dir.
struct WatchServerFixture {
    let replica: SingleNodeReplica
    let port: Int
    var hub: WatchHub { replica.watchHub }

    /// Runs `body` against a fresh member and stops it after.
    static func with(limits: Limits = Limits(), _ body: (WatchServerFixture) async throws -> Void) async throws {
        let directory = try TempDirectory("watch")
        defer { directory.remove() }
        var limits = limits
        limits.idleTimeoutMs = min(limits.idleTimeoutMs, 30_000)
        var logger = Logger(label: "paddock.test")
        logger.logLevel = .warning
        let replica = try SingleNodeReplica.start(
            directory: directory.path, options: ReplicaOptions(limits: limits), logger: logger,
            watchHub: WatchHub(limits: limits))
        let server = try await PaddockHTTPServer.start(host: "127.0.0.1", port: 0, replica: replica, limits: limits)
        let fixture = WatchServerFixture(replica: replica, port: server.port)
        _ = await eventually { replica.status.isReady }
        do {
            try await body(fixture)
        } catch {
            replica.watchHub.shutdown()
            try? await server.close()
            await replica.shutdown()
            throw error
        }
        replica.watchHub.shutdown()
        try await server.close()
        await replica.shutdown()
    }

    /// Proposes `command` and returns its zxid; a failure is a test failure.
    @discardableResult
    func write(_ command: Command) async throws -> UInt64 {
        let committed = try await replica.propose(command, idempotencyKey: nil)
        if case .failed(let error) = committed.result { Issue.record("write failed: \(error)") }
        return committed.zxid.rawValue
    }

    /// One plain HTTP exchange (JSON answers).
    func get(_ target: String, headers: [(String, String)] = []) async throws -> RawResponse? {
        var request = "GET \(target) HTTP/1.1\r\nHost: x\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        return try await RawHTTPClient.exchange(port: port, request, count: 1).responses.first
    }
}

extension RawResponse {
    var json: JSONValue? { try? JSONValue(parsing: Array(body.utf8)) }
    var code: String? { if case .string(let code)? = json?["code"] { return code } else { return nil } }
}
