import Foundation
import PaddockTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What one writer saw acknowledged before the server died.
struct WriterLedger: Sendable {
    /// Nodes whose create got a 2xx, with their data.
    var created: [String: String] = [:]
    /// The writer's counter node: the last acknowledged version and data.
    var counterVersion: Int64 = -1
    var counterData = ""
    /// A set sent but not answered when the server died: it may or may not be durable.
    var inFlightData: String?
    /// Requests that got a 2xx.
    var acknowledged = 0
    /// Answers that were neither a 2xx nor a lost connection (asserted by the test).
    var unexpected: [String] = []
}

/// The writers' shared record of a crash run.
final class CrashRun: Sendable {
    let ledgers: Mutex<[WriterLedger]>
    let stop = Atomic<Bool>(false)

    init(writers: Int) {
        ledgers = Mutex([WriterLedger](repeating: WriterLedger(), count: writers))
    }

    /// Requests acknowledged so far, by every writer.
    var acknowledged: Int { ledgers.withLock { $0.reduce(0) { $0 + $1.acknowledged } } }
}

/// Tests that run the real `paddock` binary: start, write, crash, restart, check.
@Suite(.serialized) struct ProcessCrashTests {
    /// Writes as `writer` until a request fails (the server died) or `run.stop`; every 2xx
    /// is recorded in the writer's ledger. Runs on its own Dispatch thread.
    static func write(writer: Int, client: HTTPClient, run: CrashRun) {
        let counter = "/w\(writer)"
        guard let made = try? client.request("POST", "/v1/nodes\(counter)", json: ["data": "w\(writer)-0"]) else { return }
        guard made.status == 201 else {
            run.ledgers.withLock { $0[writer].unexpected.append("create \(counter): \(made.status)") }
            return
        }
        run.ledgers.withLock { $0[writer].counterVersion = 0; $0[writer].counterData = "w\(writer)-0"; $0[writer].acknowledged += 1 }
        for n in 1...100_000 where !run.stop.load(ordering: .relaxed) {
            let child = "/w\(writer)-c\(n)"
            guard let created = try? client.request("POST", "/v1/nodes\(child)", json: ["data": "c\(n)"]) else { return }
            guard created.status == 201 else {
                run.ledgers.withLock { $0[writer].unexpected.append("create \(child): \(created.status)") }
                return
            }
            run.ledgers.withLock { $0[writer].created[child] = "c\(n)"; $0[writer].acknowledged += 1 }
            let data = "s\(n)"
            run.ledgers.withLock { $0[writer].inFlightData = data }
            guard let set = try? client.request("PUT", "/v1/nodes\(counter)", json: ["data": data]) else { return }
            guard set.status == 200 else {
                run.ledgers.withLock { $0[writer].unexpected.append("set \(counter): \(set.status)") }
                return
            }
            run.ledgers.withLock {
                $0[writer].counterVersion += 1
                $0[writer].counterData = data
                $0[writer].inFlightData = nil
                $0[writer].acknowledged += 1
            }
        }
    }

    /// The `data` string and `stat.version` of a node, nil when it is absent (404).
    static func readNode(_ client: HTTPClient, _ path: String) async throws -> NodeSeen? {
        let response = try await client.send("GET", "/v1/nodes\(path)")
        if response.status == 404 { return nil }
        guard response.status == 200, let json = response.json,
            let data = json["data"] as? String,
            let stat = json["stat"] as? [String: Any],
            let version = (stat["version"] as? NSNumber)?.int64Value
        else {
            throw HarnessError(description: "GET \(path) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        return NodeSeen(data: data, version: version)
    }

    struct NodeSeen: Equatable {
        var data: String
        var version: Int64
    }

    @Test func killNineAtARandomMomentLosesNoAcknowledgedWrite() async throws {
        let dir = try TempDirectory("crash")
        defer { dir.remove() }
        // A small snapshot interval makes the restart recover from a snapshot plus a tail.
        let flags = ["--snapshot-interval", "40", "--snapshot-tail", "10"]
        let first = try await PaddockProcess.launch(dataDir: dir.path, extraArguments: flags)
        defer { first.kill() }

        let writers = 6
        let target = Int.random(in: 40...400)
        let run = CrashRun(writers: writers)
        let group = DispatchGroup()
        let client = first.client
        // Threads of their own, not Dispatch's global queue: its few threads also deliver
        // the pipes of every other test's server, which these blocking writers would starve.
        for writer in 0..<writers {
            group.enter()
            Thread {
                Self.write(writer: writer, client: client, run: run)
                group.leave()
            }.start()
        }
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        for _ in 0..<3_000 where run.acknowledged < target && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        let acknowledgedAtKill = run.acknowledged
        first.kill()
        run.stop.store(true, ordering: .relaxed)
        let stopped = try await onOwnThread { group.wait(timeout: .now() + 30) == .success }
        #expect(acknowledgedAtKill >= target, "only \(acknowledgedAtKill) of \(target) writes were acknowledged in 30 s")
        #expect(stopped, "writers did not stop after the kill")

        let second = try await PaddockProcess.launch(dataDir: dir.path, extraArguments: flags)
        defer { second.kill() }
        let seen = run.ledgers.withLock { $0 }
        var checked = 0
        for (writer, ledger) in seen.enumerated() {
            #expect(ledger.unexpected.isEmpty, "writer \(writer): \(ledger.unexpected)")
            for (path, data) in ledger.created.sorted(by: { $0.key < $1.key }) {
                let node = try await Self.readNode(second.client, path)
                #expect(node == NodeSeen(data: data, version: 0), "acknowledged create of \(path) came back as \(String(describing: node))")
                checked += 1
            }
            guard ledger.counterVersion >= 0 else { continue }
            let counter = try await Self.readNode(second.client, "/w\(writer)")
            let acked = counter == NodeSeen(data: ledger.counterData, version: ledger.counterVersion)
            // The set in flight at the kill may have been written before the answer was lost.
            let inFlightLanded = ledger.inFlightData.map { counter == NodeSeen(data: $0, version: ledger.counterVersion + 1) } ?? false
            #expect(
                acked || inFlightLanded,
                "counter /w\(writer): acknowledged v\(ledger.counterVersion) \(ledger.counterData), found \(String(describing: counter))")
            checked += 1
        }
        // Every acknowledged create and every counter was read back, and the ledgers
        // account for every acknowledged request (the counter's create, the child
        // creates, one set per counter version).
        let createsAcknowledged = seen.reduce(0) { $0 + $1.created.count }
        let counters = seen.filter { $0.counterVersion >= 0 }.count
        #expect(checked == createsAcknowledged + counters)
        for (writer, ledger) in seen.enumerated() where ledger.counterVersion >= 0 {
            #expect(
                ledger.acknowledged == 1 + ledger.created.count + Int(ledger.counterVersion),
                "writer \(writer): \(ledger.acknowledged) acknowledged, ledger holds \(ledger.created.count) creates and v\(ledger.counterVersion)")
        }
        #expect(seen.reduce(0) { $0 + $1.acknowledged } >= acknowledgedAtKill)
        #expect(await second.stop(signal: SIGTERM) == 0)
    }

    @Test func sigtermStopsCleanlyAndKeepsTheData() async throws {
        let dir = try TempDirectory("sigterm")
        defer { dir.remove() }
        let first = try await PaddockProcess.launch(dataDir: dir.path)
        defer { first.kill() }
        let created = try await first.client.send("POST", "/v1/nodes/kept", json: ["data": "value"])
        #expect(created.status == 201)
        #expect(created.headers["paddock-zxid"] != nil)
        #expect(await first.stop(signal: SIGTERM) == 0)

        let second = try await PaddockProcess.launch(dataDir: dir.path)
        defer { second.kill() }
        let node = try await Self.readNode(second.client, "/kept")
        #expect(node == NodeSeen(data: "value", version: 0))
        #expect(await second.stop(signal: SIGINT) == 0)
    }

    @Test func corruptDataDirectoryIsRefusedWithExitOne() async throws {
        let dir = try TempDirectory("corrupt")
        defer { dir.remove() }
        let garbage = Data((0..<8_192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try garbage.write(to: URL(fileURLWithPath: dir.path).appendingPathComponent("paddock.db"))
        let binary = try PaddockProcess.binaryPath()
        let (status, message) = try await onOwnThread { () throws -> (Int32, String) in
            let process = try ChildProcess(
                executable: binary, arguments: ["serve", "--listen", "127.0.0.1:0", "--data-dir", dir.path],
                stdout: .discard, stderr: .capture)
            // A server that wrongly starts would never exit: end it after 20 s.
            if process.waitForExit(timeoutMs: 20_000) == nil { process.kill() }
            return (process.waitForExit() ?? -1, process.standardError())
        }
        #expect(status == 1)
        #expect(message.contains("paddock.db"), "stderr: \(message)")
    }
}
