import Foundation
import PaddockStorage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The binary takes snapshots and compacts its log; a restart serves the same tree.
@Suite(.serialized) struct ProcessSnapshotTests {
    /// Every node under the root with its data and full stat, as the API shows them.
    static func dump(_ client: HTTPClient, count: Int) async throws -> [String: String] {
        var nodes: [String: String] = [:]
        for i in 0..<count {
            let response = try await client.send("GET", "/v1/nodes/snap\(i)")
            guard response.status == 200, let json = response.json else {
                throw HarnessError(description: "GET /snap\(i) answered \(response.status)")
            }
            let stat = (json["stat"] as? [String: Any]) ?? [:]
            let fields = stat.keys.sorted().map { "\($0)=\(stat[$0].map { "\($0)" } ?? "nil")" }
            nodes["/snap\(i)"] = "\(json["data"] ?? "nil") " + fields.joined(separator: ",")
        }
        return nodes
    }

    @Test func logStaysBoundedAndRestartServesTheSameTree() async throws {
        let dir = try TempDirectory("snapshot")
        defer { dir.remove() }
        let interval = 25
        let tail = 5
        let flags = ["--snapshot-interval", "\(interval)", "--snapshot-tail", "\(tail)"]
        let count = 120
        let first = try await PaddockProcess.launch(dataDir: dir.path, extraArguments: flags)
        defer { first.kill() }
        for i in 0..<count {
            let created = try await first.client.send("POST", "/v1/nodes/snap\(i)", json: ["data": "value-\(i)"])
            #expect(created.status == 201)
            if i % 3 == 0 {
                let set = try await first.client.send("PUT", "/v1/nodes/snap\(i)", json: ["data": "changed-\(i)"])
                #expect(set.status == 200)
            }
        }
        let before = try await Self.dump(first.client, count: count)
        #expect(await first.stop(signal: SIGTERM) == 0)

        let store = try LogStore(directory: dir.path)
        let stored = try store.storedEntryCount()
        let snapshot = try store.latestSnapshot()
        store.close()
        #expect(stored <= interval + tail, "the log holds \(stored) entries")
        #expect((snapshot?.index.rawValue ?? 0) >= UInt64(count))

        let second = try await PaddockProcess.launch(dataDir: dir.path, extraArguments: flags)
        defer { second.kill() }
        let after = try await Self.dump(second.client, count: count)
        #expect(after == before)
        #expect(after["/snap3"]?.hasPrefix("changed-3 ") == true)
        #expect(await second.stop(signal: SIGTERM) == 0)
    }
}
