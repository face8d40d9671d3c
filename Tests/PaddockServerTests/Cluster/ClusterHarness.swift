import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A cluster of real `paddock serve` processes on 127.0.0.1 for black-box tests: start,
/// kill, pause, restart, partition, and find the leader.
///
/// Peer ports are picked before any member starts (every member must be told all of them);
/// HTTP ports are chosen by each process (`--listen 127.0.0.1:0`) and read from its output,
/// so they change on restart. Data directories live under one temporary directory removed
/// by `stopAll`. Every process is ended by its pid; `stopAll` (call it in `defer`) ends
/// them all, paused ones included, and closes the proxies. All mutable state is behind
/// one `Mutex`, so tests share a harness with their background clients.
final class ClusterHarness: Sendable {
    /// One member as the harness knows it.
    struct Member {
        var name: String
        var dataDir: String
        /// The cluster arguments it was first launched with, reused on restart.
        var arguments: [String]
        /// The running process; nil after `kill9` until `restart`.
        var process: PaddockProcess?
        /// True between `sigstop` and `sigcont`.
        var isPaused = false
    }

    /// A member's HTTP endpoint.
    struct Endpoint: Sendable {
        var name: String
        var host: String
        var port: Int
        /// `http://host:port`.
        var baseURL: String { "http://\(host):\(port)" }
        /// A client for it.
        var client: HTTPClient { HTTPClient(host: host, port: port) }
    }

    private struct State {
        var layout = ClusterLayout()
        var members: [String: Member] = [:]
        var proxies: [String: [String: any PeerLinkProxy]] = [:]
    }

    /// The directory holding every member's data directory.
    let root: URL
    /// How long a launch may take to print its address, in ms.
    let launchTimeoutMs: Int
    private let state = Mutex(State())

    /// A harness with a fresh temporary directory; nothing runs until `start`.
    init(launchTimeoutMs: Int = 20_000) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("paddock-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        self.launchTimeoutMs = launchTimeoutMs
    }

    /// The names of the members, in the order they were added.
    var names: [String] { state.withLock { $0.layout.names } }

    /// The names of members whose process runs and is not paused.
    var liveNames: [String] {
        state.withLock { state in
            state.layout.names.filter { name in
                guard let member = state.members[name] else { return false }
                return member.process != nil && !member.isPaused
            }
        }
    }

    /// The layout the members were launched with.
    var layout: ClusterLayout { state.withLock { $0.layout } }

    // MARK: Starting

    /// Starts `count` members `n1...nN` that found one cluster, then waits until each
    /// answers `/readyz` with 200.
    ///
    /// With `proxies`, every ordered pair of members talks through its own proxy (see
    /// `link(from:to:)`). A start that failed because a picked port was taken meanwhile is
    /// retried once with fresh ports.
    /// - Throws: `HarnessError` with the members' output when they do not all get ready
    ///   within `readyTimeoutMs`.
    func start(
        count: Int, extraArgs: [String] = [], proxies: PeerLinkProxyStarter? = nil, readyTimeoutMs: Int = 30_000
    ) async throws {
        precondition(count >= 1 && count <= 9, "a test cluster has 1...9 members, asked for \(count)")
        precondition(state.withLock { $0.members.isEmpty }, "start called twice")
        for attempt in 1...2 {
            do {
                try await launchFounders(count: count, extraArgs: extraArgs, proxies: proxies)
                try await waitUntilReady(names, timeoutMs: readyTimeoutMs)
                return
            } catch {
                let inUse = FreePorts.saysAddressInUse("\(error)") || FreePorts.saysAddressInUse(allOutput)
                await stopAll(removeData: false)
                try? FileManager.default.removeItem(at: root)
                try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
                state.withLock { $0 = State() }
                guard inUse, attempt == 1 else { throw error }
            }
        }
    }

    private func launchFounders(count: Int, extraArgs: [String], proxies: PeerLinkProxyStarter?) async throws {
        let founders = (1...count).map { "n\($0)" }
        let ports = try FreePorts.pick(count)
        var layout = ClusterLayout()
        for (name, port) in zip(founders, ports) { layout.add(name, peerPort: port) }
        if let proxies {
            var started: [String: [String: any PeerLinkProxy]] = [:]
            for from in founders {
                for to in founders where to != from {
                    let proxy = try await proxies((ClusterLayout.host, layout.port(from: to, to: to)))
                    started[from, default: [:]][to] = proxy
                    layout.linkPorts[from, default: [:]][to] = proxy.port
                }
            }
            state.withLock { $0.proxies = started }
        }
        state.withLock { $0.layout = layout }
        for name in founders {
            let arguments = layout.arguments(for: name, members: founders, joining: false, extra: extraArgs)
            try await launch(name, arguments: arguments)
        }
    }

    /// Starts a new member `name` with `--join`, listing the current members and itself,
    /// and returns its peer address (`127.0.0.1:port`) for `POST /v1/cluster/members`.
    /// It is not ready until an existing member adds it, so this does not wait for it.
    func join(_ name: String, extraArgs: [String] = []) async throws -> String {
        let port = try FreePorts.pick(1)[0]
        let (layout, contacts) = state.withLock { state -> (ClusterLayout, [String]) in
            let contacts = state.layout.names
            state.layout.add(name, peerPort: port)
            return (state.layout, contacts)
        }
        let arguments = layout.arguments(for: name, members: contacts + [name], joining: true, extra: extraArgs)
        try await launch(name, arguments: arguments)
        return "\(ClusterLayout.host):\(port)"
    }

    private func launch(_ name: String, arguments: [String]) async throws {
        let dataDir = root.appendingPathComponent(name).path
        let process = try await PaddockProcess.launch(
            dataDir: dataDir, extraArguments: arguments, timeoutMs: launchTimeoutMs, waitForReady: false)
        state.withLock { state in
            state.members[name] = Member(name: name, dataDir: dataDir, arguments: arguments, process: process)
        }
    }

    /// Waits until every member in `names` answers `/readyz` with 200.
    /// - Throws: `HarnessError` naming those not ready, with their output.
    func waitUntilReady(_ names: [String], timeoutMs: Int = 30_000) async throws {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMs))
        var waiting = Set(names)
        for _ in 0..<(timeoutMs / 20 + 1) where !waiting.isEmpty && ContinuousClock.now < deadline {
            for name in waiting.sorted() {
                guard let endpoint = try? member(name) else { continue }
                if (try? await endpoint.client.send("GET", "/readyz"))?.status == 200 { waiting.remove(name) }
            }
            if !waiting.isEmpty { try? await Task.sleep(for: .milliseconds(20)) }
        }
        guard waiting.isEmpty else {
            throw HarnessError(
                description: "members \(waiting.sorted()) were not ready within \(timeoutMs) ms; output:\n" + allOutput)
        }
    }

    // MARK: Members

    /// The HTTP endpoint of a running member.
    /// - Throws: `HarnessError` for an unknown or killed member.
    func member(_ name: String) throws -> Endpoint {
        let process = state.withLock { $0.members[name]?.process }
        guard let process else { throw HarnessError(description: "member \(name) is not running") }
        return Endpoint(name: name, host: process.address.host, port: process.address.port)
    }

    /// The pid of a running member.
    func pid(_ name: String) -> Int32? { state.withLock { $0.members[name]?.process?.pid } }

    /// Ends `name` with SIGKILL (no flush, no goodbye) and waits for its exit.
    func kill9(_ name: String) {
        let process = state.withLock { state -> PaddockProcess? in
            let process = state.members[name]?.process
            state.members[name]?.process = nil
            state.members[name]?.isPaused = false
            return process
        }
        process?.kill()
    }

    /// Stops `name` with SIGTERM (its graceful path) and returns its exit status, or nil
    /// when it did not exit within `timeoutMs` (it is then killed).
    func terminate(_ name: String, timeoutMs: Int = 15_000) async -> Int32? {
        let process = state.withLock { state -> PaddockProcess? in
            let process = state.members[name]?.process
            state.members[name]?.process = nil
            state.members[name]?.isPaused = false
            return process
        }
        return await process?.stop(signal: SIGTERM, timeoutMs: timeoutMs)
    }

    /// Pauses `name` with SIGSTOP: its sockets stay open but it answers nothing.
    func sigstop(_ name: String) {
        let process = state.withLock { $0.members[name]?.process }
        process?.process.signal(SIGSTOP)
        state.withLock { $0.members[name]?.isPaused = true }
    }

    /// Resumes a member paused by `sigstop`.
    func sigcont(_ name: String) {
        let process = state.withLock { $0.members[name]?.process }
        process?.process.signal(SIGCONT)
        state.withLock { $0.members[name]?.isPaused = false }
    }

    /// Starts a killed member again with its data directory and first arguments, and
    /// waits until it is ready. A launch that fails with "address in use" (its peer port
    /// still held) is retried once.
    func restart(_ name: String, readyTimeoutMs: Int = 30_000) async throws {
        let member = state.withLock { $0.members[name] }
        guard let member else { throw HarnessError(description: "no member \(name) to restart") }
        precondition(member.process == nil, "restart of \(name) while it runs; kill9 it first")
        do {
            try await launch(name, arguments: member.arguments)
        } catch where FreePorts.saysAddressInUse("\(error)") {
            try await launch(name, arguments: member.arguments)
        }
        try await waitUntilReady([name], timeoutMs: readyTimeoutMs)
    }

    /// The output of every member so far, for failure messages.
    var allOutput: String {
        let members = state.withLock { state in state.layout.names.compactMap { state.members[$0] } }
        return members.map { member in
            "--- \(member.name) (\(member.process.map { "pid \($0.pid)" } ?? "not running")):\n"
                + (member.process?.log ?? "")
        }.joined(separator: "\n")
    }

    // MARK: Links

    /// The proxy on the link `from` → `to` (what `from` dials to reach `to`).
    func link(from: String, to: String) -> (any PeerLinkProxy)? {
        state.withLock { $0.proxies[from]?[to] }
    }

    /// Cuts every link to and from `name` (both directions).
    func isolate(_ name: String) async throws {
        for other in names where other != name {
            try await link(from: name, to: other)?.cut()
            try await link(from: other, to: name)?.cut()
        }
    }

    /// Heals every link.
    func healAll() async throws {
        let proxies = state.withLock { state in
            state.proxies.keys.sorted().flatMap { from in
                (state.proxies[from] ?? [:]).keys.sorted().compactMap { state.proxies[from]?[$0] }
            }
        }
        for proxy in proxies { try await proxy.heal() }
    }

    // MARK: Leadership

    /// Waits until a member among `among` (default: every live member) says it leads and
    /// every other member of `among` that answers names the same leader; returns its name.
    /// - Throws: `HarnessError` when no leader is agreed on before `deadline`.
    func waitForLeader(
        among: [String]? = nil, excluding excluded: Set<String> = [],
        deadline: ContinuousClock.Instant = .now.advanced(by: .seconds(15))
    ) async throws -> String {
        var last: [String: String] = [:]
        for _ in 0..<2_000 where ContinuousClock.now < deadline {
            let candidates = (among ?? liveNames).filter { !excluded.contains($0) }
            var named: [String: String] = [:]
            for name in candidates {
                guard let status = try? await clusterStatus(name) else { continue }
                named[name] = (status["leader"] as? String) ?? "-"
            }
            last = named
            if let leader = named.values.first, leader != "-", named[leader] == leader,
                !excluded.contains(leader), named.values.allSatisfy({ $0 == leader })
            {
                return leader
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError(description: "no agreed leader before the deadline; last seen \(last.sorted { $0.key < $1.key })")
    }

    // MARK: Stopping

    /// Ends every member (SIGKILL, paused ones included), closes the proxies and, unless
    /// told otherwise, removes the data directories. Safe to call more than once.
    func stopAll(removeData: Bool = true) async {
        let (processes, proxies) = state.withLock { state -> ([PaddockProcess], [any PeerLinkProxy]) in
            let processes = state.layout.names.compactMap { state.members[$0]?.process }
            for name in state.layout.names {
                state.members[name]?.process = nil
                state.members[name]?.isPaused = false
            }
            let proxies = state.proxies.keys.sorted().flatMap { from in
                (state.proxies[from] ?? [:]).keys.sorted().compactMap { state.proxies[from]?[$0] }
            }
            state.proxies = [:]
            return (processes, proxies)
        }
        for process in processes { process.kill() }
        for proxy in proxies { await proxy.close() }
        if removeData { try? FileManager.default.removeItem(at: root) }
    }
}
