import ArgumentParser
import Dispatch
import Foundation
import Logging
import PaddockServer
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `paddock serve`: runs a single-node Paddock member until SIGINT or SIGTERM.
///
/// Wiring: the data directory's log store is recovered into a `SingleNodeReplica` (the one
/// write path), the HTTP server is started on `--listen` with that replica and the limits,
/// and the bound address is printed on stdout as `paddock listening on HOST:PORT` (port 0
/// picks a free one, which tests use). On a signal the HTTP server stops taking requests,
/// the replica writes and answers what was queued, and the store is closed. A data
/// directory that cannot be opened or recovered (not a database, truncated, corrupt) is
/// reported on stderr and the command exits with status 1; nothing is repaired. One
/// `PaddockMetrics` is fed by the replica's log, its proposals and the HTTP server, and
/// served at `/metrics`.
///
/// Cluster flags (`--id`, `--peers`, `--cluster-id`, `--join`, `--election-timeout-ms`,
/// `--heartbeat-interval-ms`) are read into a `ClusterBootstrap`; bad ones exit with a
/// one-line message and status 64 before anything starts.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a single-node Paddock server.",
        discussion: """
            With no flags: data in ./paddock-data, HTTP on 127.0.0.1:7180. \
            Inside a container use --listen 0.0.0.0:7180.
            """
    )

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free port).")
    var listen = "127.0.0.1:7180"

    @Option(help: "Directory holding the log and snapshots (created if missing).")
    var dataDir = "./paddock-data"

    @Option(help: "Applied entries between two snapshots.")
    var snapshotInterval = 10_000

    @Option(help: "Entries kept in the log behind a snapshot.")
    var snapshotTail = 1_000

    @Option(help: "Largest znode data value in bytes (at most 1 GiB).")
    var dataMaxBytes = Limits.default.dataBytesMax

    @Option(help: "Longest znode path in UTF-8 bytes, a sequential suffix included (at most 4096).")
    var pathMaxBytes = Limits.default.pathBytesMax

    @Option(help: "Largest request body in bytes (default: room for a base64 data value of --data-max-bytes; at most 2 GiB).")
    var bodyMaxBytes: Int?

    @Option(help: "Largest total request header size in bytes.")
    var headerMaxBytes = Limits.default.requestHeaderBytesMax

    @Option(help: "Longest request line (method, target, version) in bytes.")
    var requestLineMaxBytes = Limits.default.requestLineBytesMax

    @Option(help: "Most children one listing returns.")
    var childrenMax = Limits.default.childrenListedMax

    @Option(help: "Most operations in one transaction.")
    var txnOpsMax = Limits.default.txnOpsMax

    @Option(help: "Most sessions open at once.")
    var sessionsMax = Limits.default.sessionsMax

    @Option(help: "Most client connections open at once.")
    var connectionsMax = Limits.default.connectionsMax

    @Option(help: "Close a connection idle this long, in ms (at most one day).")
    var idleTimeoutMs = Limits.default.idleTimeoutMs

    @Option(help: "Most proposals waiting to commit before writes get 503.")
    var pendingProposalsMax = Limits.default.pendingProposalsMax

    @Option(help: "How long a write waits for its commit before a 503, in ms (at most one day).")
    var proposalWaitMs = Limits.default.proposalWaitMs

    @Option(help: "Shortest session TTL a client may ask for, in ms.")
    var sessionTTLMinMs = Limits.default.sessionTTLMinMs

    @Option(help: "Longest session TTL a client may ask for, in ms.")
    var sessionTTLMaxMs = Limits.default.sessionTTLMaxMs

    @Option(help: "Longest TTL of a ttl node, in ms.")
    var ttlNodeMaxMs = Limits.default.ttlNodeMaxMs

    @Option(help: "Most events kept in the watch history (older resumes get 410 Compacted).")
    var watchHistoryMax = Limits.default.watchHistoryEventsMax

    @Option(help: "Most bytes kept in the watch history.")
    var watchHistoryMaxBytes = Limits.default.watchHistoryBytesMax

    @Option(help: "Most events waiting for one slow watch stream before it ends with overflow.")
    var watchBufferMax = Limits.default.watchBufferEventsMax

    @Option(help: "Most bytes waiting for one slow watch stream before it ends with overflow.")
    var watchBufferMaxBytes = Limits.default.watchBufferBytesMax

    @Option(help: "Heartbeat period of idle watch streams, in ms (at most one day).")
    var watchHeartbeatMs = Limits.default.watchHeartbeatMs

    @Option(help: "Most watchers (streams and long-polls) at once.")
    var watchersMax = Limits.default.watchersMax

    @Option(help: "Longest wait a long-poll watch may ask for, in ms (at most one day).")
    var watchWaitMaxMs = Limits.default.watchWaitMsMax

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: "This member's name in the cluster (needs --peers).")
    var id: String?

    @Option(help: ArgumentHelp(
        "Every member's peer address, this one included: NAME=HOST:PORT,... (needs --id).",
        discussion: "This member's own entry is where it listens for peers; --listen stays its HTTP address."))
    var peers: String?

    @Option(help: "The id all members of the cluster share; a peer with another id is refused (default: paddock).")
    var clusterId: String?

    @Flag(help: "This member is new to a running cluster: it waits to be added as a learner; --peers names members to contact.")
    var join = false

    @Option(help: "Raft election timeout in ms (at least 5 heartbeat intervals).")
    var electionTimeoutMs = ClusterBootstrap.defaultElectionTimeoutMs

    @Option(help: "Leader heartbeat interval in ms.")
    var heartbeatIntervalMs = ClusterBootstrap.defaultHeartbeatIntervalMs

    /// The cluster the flags describe, or nil for a single node (no --id, no --peers).
    /// - Throws: `ValidationError` naming the flag at fault.
    func clusterBootstrap() throws -> ClusterBootstrap? {
        do {
            return try ClusterBootstrap.parse(
                id: id, peers: peers, clusterID: clusterId, join: join,
                electionTimeoutMs: electionTimeoutMs, heartbeatIntervalMs: heartbeatIntervalMs)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The limits the flags describe.
    var limits: Limits {
        var limits = Limits()
        limits.dataBytesMax = dataMaxBytes
        limits.pathBytesMax = pathMaxBytes
        limits.requestBodyBytesMax = bodyMaxBytes ?? Limits.requestBodyBytesMax(dataBytesMax: dataMaxBytes)
        limits.requestHeaderBytesMax = headerMaxBytes
        limits.requestLineBytesMax = requestLineMaxBytes
        limits.childrenListedMax = childrenMax
        limits.txnOpsMax = txnOpsMax
        limits.sessionsMax = sessionsMax
        limits.connectionsMax = connectionsMax
        limits.idleTimeoutMs = idleTimeoutMs
        limits.pendingProposalsMax = pendingProposalsMax
        limits.proposalWaitMs = proposalWaitMs
        limits.sessionTTLMinMs = sessionTTLMinMs
        limits.sessionTTLMaxMs = sessionTTLMaxMs
        limits.ttlNodeMaxMs = ttlNodeMaxMs
        limits.watchHistoryEventsMax = watchHistoryMax
        limits.watchHistoryBytesMax = watchHistoryMaxBytes
        limits.watchBufferEventsMax = watchBufferMax
        limits.watchBufferBytesMax = watchBufferMaxBytes
        limits.watchHeartbeatMs = watchHeartbeatMs
        limits.watchersMax = watchersMax
        limits.watchWaitMsMax = watchWaitMaxMs
        return limits
    }

    func validate() throws {
        _ = try ListenAddress(parsing: listen)
        do {
            try limits.validate()
        } catch {
            throw ValidationError(error.message)
        }
        guard snapshotInterval > 0 else { throw ValidationError("--snapshot-interval must be positive") }
        guard snapshotTail >= 0 else { throw ValidationError("--snapshot-tail must not be negative") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        _ = try clusterBootstrap()
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "paddock.serve")
        let address = try ListenAddress(parsing: listen)
        let limits = self.limits
        let signals = TerminationSignals([SIGINT, SIGTERM])
        if let bootstrap = try clusterBootstrap() {
            try await runMember(of: bootstrap, address: address, limits: limits, signals: signals, logger: logger)
            return
        }

        let metrics = PaddockMetrics()
        let replica: SingleNodeReplica
        do {
            replica = try SingleNodeReplica.start(
                directory: dataDir,
                options: ReplicaOptions(
                    limits: limits,
                    snapshotIntervalEntries: snapshotInterval,
                    snapshotLogTailEntries: snapshotTail
                ),
                logger: Logger(label: "paddock.replica"),
                metrics: metrics,
                watchHub: WatchHub(limits: limits)
            )
        } catch {
            Self.printError("paddock: cannot start: \(error.message)")
            throw ExitCode(1)
        }

        let server: PaddockHTTPServer
        do {
            server = try await PaddockHTTPServer.start(
                host: address.host,
                port: address.port,
                replica: InstrumentedReplica(replica, metrics: metrics),
                limits: limits,
                metrics: metrics,
                watchHub: replica.watchHub
            )
        } catch {
            Self.printError("paddock: cannot listen on \(listen): \(error)")
            await replica.shutdown()
            throw ExitCode(1)
        }
        let bound = "\(address.host.contains(":") ? "[\(address.host)]" : address.host):\(server.port)"
        Self.printLine("paddock listening on \(bound)")
        logger.info("serving", metadata: ["listen": "\(bound)", "dataDir": "\(dataDir)"])

        let signal = await signals.wait()
        logger.info("stopping", metadata: ["signal": "\(signal)"])
        // Watch streams last as long as their clients want: end them first, so closing
        // the server does not wait for them.
        replica.watchHub.shutdown()
        do {
            try await server.close()
        } catch {
            logger.warning("closing the listener failed", metadata: ["error": "\(error)"])
        }
        await replica.shutdown()
        logger.info("stopped")
    }

    /// Runs a replicated member: the peer transport, the Raft replica, then HTTP. On a
    /// signal HTTP stops taking requests, a leader hands leadership over, the replica
    /// answers what was queued and closes its store, and the transport closes.
    func runMember(
        of bootstrap: ClusterBootstrap, address: ListenAddress, limits: Limits, signals: TerminationSignals, logger: Logger
    ) async throws {
        let metrics = PaddockMetrics()
        let inbox = FrameInbox()
        let transport: PeerTransport
        do {
            transport = try await PeerTransport.start(
                configuration: PeerTransport.Configuration(
                    clusterID: bootstrap.clusterID, selfName: bootstrap.selfName,
                    httpAddress: Self.render(host: address.host, port: address.port),
                    listenHost: bootstrap.selfPeerAddress.host, listenPort: bootstrap.selfPeerAddress.port),
                peers: [:], logger: Logger(label: "paddock.peer"),
                onFrame: { peer, frame in inbox.deliver(frame, from: peer) })
        } catch {
            Self.printError("paddock: cannot listen for peers on \(bootstrap.selfPeerAddress): \(error)")
            throw ExitCode(1)
        }
        var options = ClusterOptions(
            clusterID: bootstrap.clusterID, selfName: bootstrap.selfName, peers: bootstrap.peers,
            joining: bootstrap.joining,
            replica: ReplicaOptions(limits: limits, snapshotIntervalEntries: snapshotInterval, snapshotLogTailEntries: snapshotTail))
        options.electionTimeoutMs = bootstrap.electionTimeoutMs
        options.heartbeatIntervalMs = bootstrap.heartbeatIntervalMs
        options.tickMs = max(1, min(50, bootstrap.heartbeatIntervalMs / 2))
        options.requestWaitMs = limits.proposalWaitMs
        let replica: ClusterReplica
        do {
            replica = try ClusterReplica.start(
                directory: dataDir, options: options, link: transport, logger: Logger(label: "paddock.cluster"),
                metrics: metrics, watchHub: WatchHub(limits: limits))
        } catch {
            Self.printError("paddock: cannot start: \(error.message)")
            await transport.close()
            throw ExitCode(1)
        }
        inbox.attach(replica)
        let server: PaddockHTTPServer
        do {
            server = try await PaddockHTTPServer.start(
                host: address.host, port: address.port, replica: InstrumentedReplica(replica, metrics: metrics),
                limits: limits, cluster: replica, metrics: metrics, watchHub: replica.watchHub)
        } catch {
            Self.printError("paddock: cannot listen on \(listen): \(error)")
            await replica.shutdown()
            await transport.close()
            throw ExitCode(1)
        }
        let bound = Self.render(host: address.host, port: server.port)
        replica.setHTTPAddress(bound)
        transport.setHTTPAddress(bound)
        Self.printLine("paddock listening on \(bound)")
        logger.info(
            "serving",
            metadata: [
                "listen": "\(bound)", "member": "\(bootstrap.selfName)", "peerPort": "\(transport.port)",
                "dataDir": "\(dataDir)",
            ])

        let signal = await signals.wait()
        logger.info("stopping", metadata: ["signal": "\(signal)"])
        await replica.shutdown()
        replica.watchHub.shutdown()
        do {
            try await server.close()
        } catch {
            logger.warning("closing the listener failed", metadata: ["error": "\(error)"])
        }
        await transport.close()
        logger.info("stopped")
    }

    static func render(host: String, port: Int) -> String {
        "\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    static func printLine(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// Frames that arrive before the replica is started are handed to it once it is.
///
/// The transport must be listening before the replica starts (the replica dials peers
/// through it at once), so its delivery callback needs a target that fills in later.
final class FrameInbox: Sendable {
    private let state = Mutex<(replica: ClusterReplica?, early: [(MemberName, PeerFrame)])>((nil, []))

    func deliver(_ frame: PeerFrame, from peer: MemberName) {
        let replica = state.withLock { state -> ClusterReplica? in
            if state.replica == nil, state.early.count < 10_000 { state.early.append((peer, frame)) }
            return state.replica
        }
        replica?.receive(frame, from: peer)
    }

    func attach(_ replica: ClusterReplica) {
        let early = state.withLock { state in
            state.replica = replica
            defer { state.early.removeAll() }
            return state.early
        }
        for (peer, frame) in early { replica.receive(frame, from: peer) }
    }
}

/// `HOST:PORT` as given to `--listen`; IPv6 hosts go in brackets (`[::1]:7180`).
struct ListenAddress: Equatable {
    var host: String
    var port: Int

    init(parsing text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else {
            throw ValidationError("--listen \(text) is not HOST:PORT with a port in 0...65535")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--listen \(text) has no host") }
        self.host = host
        self.port = port
    }
}

/// Waits for the first of some termination signals; a second one exits with status 1.
///
/// The signals are ignored by default handling and delivered to dispatch sources, so the
/// process shuts down through its own path (drain, close the store) instead of dying.
/// A second signal means that path stalls (say, on fsync): it is logged and the process
/// exits at once. `@unchecked Sendable`: the sources are created in `init` and never
/// changed after; the mutable state is guarded by `fired`.
final class TerminationSignals: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]
    private let fired = Mutex<(signal: Int32?, waiter: CheckedContinuation<Int32, Never>?)>((nil, nil))

    init(_ signals: [Int32]) {
        sources = ignoredSignalSources(signals)
        for (source, number) in zip(sources, signals) {
            source.setEventHandler { [weak self] in self?.deliver(number) }
            source.resume()
        }
    }

    private func deliver(_ number: Int32) {
        let (waiter, again) = fired.withLock { state -> (CheckedContinuation<Int32, Never>?, Bool) in
            guard state.signal == nil else { return (nil, true) }
            state.signal = number
            let waiter = state.waiter
            state.waiter = nil
            return (waiter, false)
        }
        if again {
            // A second signal while stopping (a drain or an fsync that stalls): the
            // operator wants out now. What was acknowledged is already durable.
            ServeCommand.printError("paddock: signal \(number) while stopping; exiting now")
            exit(1)
        }
        waiter?.resume(returning: number)
    }

    /// Returns the first signal received (at once if one already came).
    func wait() async -> Int32 {
        let number = await withCheckedContinuation { (waiter: CheckedContinuation<Int32, Never>) in
            let early = fired.withLock { state -> Int32? in
                if let number = state.signal { return number }
                state.waiter = waiter
                return nil
            }
            if let early { waiter.resume(returning: early) }
        }
        // The sources stay armed: a second signal ends the process (see `deliver`).
        return number
    }
}
