import Foundation
import Testing

/// A watch stream across a leader fail-over: the leader serving the stream is killed while
/// a writer makes 1,000 changes through a follower; the client resumes on another member
/// with `Last-Event-ID` and gets every change once, in zxid order.
@Suite(.serialized) struct ClusterWatchProcessTests {
    @Test(.timeLimit(.minutes(3)))
    func aStreamResumedOnAnotherMemberAfterAKillMissesNothingAndRepeatsNothing() async throws {
        try await ClusterHarness.with(count: 3, extraArgs: ClusterProcessTests.timing) { cluster in
            let leader = try await cluster.waitForLeader()
            let followers = ClusterProcessTests.others(cluster, leader)
            let served = leader
            let writeVia = followers[0]
            let resumeOn = followers[1]
            _ = try await cluster.create("/fo", data: "", via: writeVia)

            let first = try await SSEClient.open(port: try cluster.member(served).port, "/v1/watch/fo?recursive")
            #expect(await first.wait { $0.status != nil }.status == 200)

            let total = 1_000
            let writer = Task.detached { () -> [String] in
                var failures: [String] = []
                for index in 0..<total {
                    // Retried through the fail-over (503 while there is no leader); a retry
                    // of a create that did apply answers 409, which is as good.
                    var acknowledged = false
                    for _ in 0..<200 where !acknowledged {
                        let created = try? await cluster.create("/fo/k\(index)", data: "\(index)", via: writeVia)
                        acknowledged = created?.status == 201 || created?.status == 409
                    }
                    if !acknowledged { failures.append("/fo/k\(index)") }
                }
                return failures
            }

            // Kill the serving member part-way through.
            let enough: (SSEReceived) -> Bool = { $0.events.count >= 300 }
            let before = await first.wait(timeoutMs: 60_000, until: enough)
            cluster.kill9(served)
            await first.close()
            let firstEvents = first.received.events
            let lastID = firstEvents.last { $0.id != nil }?.id
            #expect(
                before.events.count >= 300,
                "only \(before.events.count) events before the kill (status \(String(describing: before.status)), ended \(before.ended), closed \(before.closed))")
            #expect(lastID != nil)

            let second = try await SSEClient.open(
                port: try cluster.member(resumeOn).port, "/v1/watch/fo?recursive",
                headers: [("Last-Event-ID", lastID ?? "0")])
            let failures = await writer.value
            #expect(failures.isEmpty, "writes never acknowledged: \(failures.prefix(5))")

            // Every change once: the events up to lastID from the first stream, the rest
            // from the second.
            let cut = Int64(lastID ?? "0") ?? 0
            let kept = firstEvents.filter { ($0.zxid ?? 0) <= cut }
            let rest = await second.wait(timeoutMs: 60_000) { received in
                Set((kept + received.events).compactMap(\.path)).count >= total
            }.events
            await second.close()
            let all = kept + rest
            let created = all.filter { $0.event == "created" }
            let paths = created.compactMap(\.path)
            #expect(paths.count == total, "\(paths.count) created events for \(total) creates")
            #expect(Set(paths).count == paths.count, "a change was delivered twice")
            #expect(Set(paths) == Set((0..<total).map { "/fo/k\($0)" }), "a change is missing")
            let zxids = all.compactMap(\.zxid)
            #expect(zxids == zxids.sorted() && Set(zxids).count == zxids.count, "events out of zxid order")
            #expect(rest.allSatisfy { ($0.zxid ?? 0) > cut }, "the resumed stream repeated an event")
        }
    }
}
