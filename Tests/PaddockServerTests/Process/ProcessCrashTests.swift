import Foundation
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
    /// Writes as `writer` until a request fails; every 2xx is recorded in `ledgers[writer]`.
    static func write(writer: Int, client: HTTPClient, run: CrashRun) {
        let counter = "/w\(writer)"
        guard let made = try? client.request("POST", "/v1/nodes\(counter)", json: ["data": "w\(writer)-0"]),
            made.status == 201
        else { return }
        run.ledgers.withLock { $0[writer].counterVersion = 0; $0[writer].counterData = "w\(writer)-0"; $0[writer].acknowledged += 1 }
        for n in 1...100_000 where !run.stop.load(ordering: .relaxed) {
            let child = "/w\(writer)-c\(n)"
            guard let created = try? client.request("POST", "/v1/nodes\(child)", json: ["data": "c\(n)"]) else { return }
            guard created.status == 201 else {
                Issue.record("create \(child) answered \(created.status): \(String(decoding: created.body, as: UTF8.self))")
                return
            }
            run.ledgers.withLock { $0[writer].created[child] = "c\(n)"; $0[writer].acknowledged += 1 }
            let data = "s\(n)"
            run.ledgers.withLock { $0[writer].inFlightData = data }
            guard let set = try? client.request("PUT", "/v1/nodes\(counter)", json: ["data": data]) else { return }
            guard set.status == 200 else {
                Issue.record("set \(counter) answered \(set.status): \(String(decoding: set.body, as: UTF8.self))")
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
    static func readNode(_ client: HTTPClient, _ path: String) throws -> (data: String, version: Int64)? {
        let response = try client.request("GET", "/v1/nodes\(path)")
        if response.status == 404 { return nil }
        guard response.status == 200, let json = response.json,
            let data = json["data"] as? String,
            let stat = json["stat"] as? [String: Any],
            let version = (stat["version"] as? NSNumber)?.int64Value
        else {
            throw HarnessError(description: "GET \(path) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        return (data, version)
    }

    @Test func killNineAtARandomMomentLosesNoAcknowledgedWrite() throws {
        let dir = try TempDirectory("crash")
        defer { dir.remove() }
        // A small snapshot interval makes the restart recover from a snapshot plus a tail.
        let flags = ["--snapshot-interval", "40", "--snapshot-tail", "10"]
        let first = try PaddockProcess(dataDir: dir.path, extraArguments: flags)
        defer { first.kill() }

        let writers = 6
        let target = Int.random(in: 40...400)
        let run = CrashRun(writers: writers)
        let group = DispatchGroup()
        let client = first.client
        for writer in 0..<writers {
            DispatchQueue.global().async(group: group) {
                Self.write(writer: writer, client: client, run: run)
            }
        }
        let deadline = Date().addingTimeInterval(30)
        var acknowledged = 0
        for _ in 0..<3_000 where acknowledged < target && Date() < deadline {
            acknowledged = run.acknowledged
            usleep(10_000)
        }
        #expect(acknowledged >= target, "only \(acknowledged) of \(target) writes were acknowledged in 30 s")
        first.kill()
        run.stop.store(true, ordering: .relaxed)
        #expect(group.wait(timeout: .now() + 30) == .success, "writers did not stop after the kill")

        let second = try PaddockProcess(dataDir: dir.path, extraArguments: flags)
        defer { second.kill() }
        let seen = run.ledgers.withLock { $0 }
        var checked = 0
        for (writer, ledger) in seen.enumerated() {
            for (path, data) in ledger.created.sorted(by: { $0.key < $1.key }) {
                let node = try Self.readNode(second.client, path)
                #expect(node?.data == data, "acknowledged create of \(path) came back as \(String(describing: node))")
                #expect(node?.version == 0)
                checked += 1
            }
            guard ledger.counterVersion >= 0 else { continue }
            let counter = try Self.readNode(second.client, "/w\(writer)")
            let acked = counter?.version == ledger.counterVersion && counter?.data == ledger.counterData
            // The set in flight at the kill may have been written before the answer was lost.
            let inFlightLanded = counter?.version == ledger.counterVersion + 1 && counter?.data == ledger.inFlightData
            #expect(acked || inFlightLanded, "counter /w\(writer): acknowledged v\(ledger.counterVersion) \(ledger.counterData), found \(String(describing: counter))")
            checked += 1
        }
        #expect(checked >= target / 2)
        #expect(second.stop(signal: SIGTERM) == 0)
    }

    @Test func sigtermStopsCleanlyAndKeepsTheData() throws {
        let dir = try TempDirectory("sigterm")
        defer { dir.remove() }
        let first = try PaddockProcess(dataDir: dir.path)
        defer { first.kill() }
        let created = try first.client.request("POST", "/v1/nodes/kept", json: ["data": "value"])
        #expect(created.status == 201)
        #expect(created.headers["paddock-zxid"] != nil)
        #expect(first.stop(signal: SIGTERM) == 0)

        let second = try PaddockProcess(dataDir: dir.path)
        defer { second.kill() }
        let node = try Self.readNode(second.client, "/kept")
        #expect(node?.data == "value")
        #expect(node?.version == 0)
        #expect(second.stop(signal: SIGINT) == 0)
    }

    @Test func corruptDataDirectoryIsRefusedWithExitOne() throws {
        let dir = try TempDirectory("corrupt")
        defer { dir.remove() }
        let garbage = Data((0..<8_192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try garbage.write(to: URL(fileURLWithPath: dir.path).appendingPathComponent("paddock.db"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try PaddockProcess.binaryPath())
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--data-dir", dir.path]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = Pipe()
        try process.run()
        // A server that wrongly starts would never close stderr: end it after 20 s.
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 20) {
            if process.isRunning { Glibc.kill(pid, SIGKILL) }
        }
        let output = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let message = String(decoding: output, as: UTF8.self)
        #expect(process.terminationStatus == 1)
        #expect(message.contains("paddock.db"), "stderr: \(message)")
    }
}
