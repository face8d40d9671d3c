import Foundation
import Logging
import PaddockClient
import PaddockServer
import PaddockTestSupport
import Synchronization
import Testing
import ZNodeTree

/// A single-node member in a temp dir with its HTTP server on 127.0.0.1, for client tests.
///
/// The HTTP server can be stopped and started again on the same port while the replica
/// keeps running, so a client sees a member go away and come back with its state.
final class LiveMember: Sendable {
    let directory: String
    let replica: SingleNodeReplica
    let limits: Limits
    let port: Int
    private let server: Mutex<PaddockHTTPServer?>

    /// The member's endpoint, `http://127.0.0.1:PORT`.
    var endpoint: String { "http://127.0.0.1:\(port)" }

    private init(directory: String, replica: SingleNodeReplica, limits: Limits, server: PaddockHTTPServer) {
        self.directory = directory
        self.replica = replica
        self.limits = limits
        self.port = server.port
        self.server = Mutex(server)
    }

    /// Starts a member; `body` runs against it, then it is stopped (also on throw).
    static func with<Value>(limits: Limits = Limits(), _ body: (LiveMember) async throws -> Value) async throws -> Value {
        let directory = FileManager.default.temporaryDirectory.path + "/paddock-client-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "paddock.test")
        logger.logLevel = .warning
        let replica = try SingleNodeReplica.start(
            directory: directory, options: ReplicaOptions(limits: limits), logger: logger,
            watchHub: WatchHub(limits: limits))
        let server: PaddockHTTPServer
        do {
            server = try await PaddockHTTPServer.start(host: "127.0.0.1", port: 0, replica: replica, limits: limits)
        } catch {
            await replica.shutdown()
            throw error
        }
        let member = LiveMember(directory: directory, replica: replica, limits: limits, server: server)
        let ready = await eventually { replica.status.isReady }
        #expect(ready, "the member did not become ready")
        do {
            let value = try await body(member)
            await member.stop()
            return value
        } catch {
            await member.stop()
            throw error
        }
    }

    /// Stops the HTTP server (the replica keeps running).
    func stopHTTP() async {
        let current = server.withLock { server in
            defer { server = nil }
            return server
        }
        try? await current?.close()
    }

    /// Starts the HTTP server again on the same port.
    func startHTTP() async throws {
        let started = try await PaddockHTTPServer.start(host: "127.0.0.1", port: port, replica: replica, limits: limits)
        server.withLock { $0 = started }
    }

    /// Creates a persistent node through the replica itself (while HTTP is down).
    func create(_ path: String, data: String) async throws {
        let op = CreateOp(
            path: try ZNodePath(validating: path), data: Array(data.utf8), kind: .persistent, session: nil, ttlMs: nil,
            createParents: false)
        let committed = try await replica.propose(.create(op), idempotencyKey: nil)
        if case .failed(let error) = committed.result { Issue.record("create \(path) failed: \(error)") }
    }

    private func stop() async {
        await stopHTTP()
        replica.watchHub.shutdown()
        await replica.shutdown()
    }
}


/// A client of `endpoints` with short timeouts, shut down after `body`.
func withClient<Value>(
    _ endpoints: [String], configuration: ClientConfiguration = .fast,
    _ body: (Client) async throws -> Value
) async throws -> Value {
    let client = try Client(endpoints: endpoints, configuration: configuration)
    do {
        let value = try await body(client)
        try await client.shutdown()
        return value
    } catch {
        try? await client.shutdown()
        throw error
    }
}

extension ClientConfiguration {
    /// Quick retries, and deadlines long enough for a machine saturated by the whole test
    /// suite (answers then take seconds); tests of the deadlines set their own.
    static var fast: ClientConfiguration {
        var configuration = ClientConfiguration(attemptTimeoutMs: 10_000, callTimeoutMs: 30_000)
        configuration.connectTimeoutMs = 2_000
        configuration.backoffInitialMs = 20
        configuration.backoffMaxMs = 200
        return configuration
    }
}

extension Array where Element == UInt8 {
    /// UTF-8 bytes of `text`.
    static func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }
}
