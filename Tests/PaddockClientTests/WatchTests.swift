import PaddockClient
import PaddockServer
import Testing
import ZNodeTree

@Suite("Watches over Server-Sent Events")
struct WatchTests {
    /// Reads `count` events from `iterator` or fails after `timeoutMs`.
    static func take(
        _ count: Int, from iterator: inout WatchStream.Iterator, timeoutMs: Int = 10_000
    ) async throws -> [NodeEvent] {
        var events: [NodeEvent] = []
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMs))
        for _ in 0..<count where ContinuousClock.now < deadline {
            guard let event = try await iterator.next() else { break }
            events.append(event)
        }
        return events
    }

    static func summary(_ events: [NodeEvent]) -> [String] {
        events.map { "\($0.kind.rawValue) \($0.path) \($0.string ?? "-")" }
    }

    @Test func recursiveWatchDeliversChangesInOrder() async throws {
        try await LiveMember.with { member in
            try await withClient([member.endpoint]) { client in
                let start = try await client.create("/w")
                try await client.create("/w/a", data: .utf8("1"))
                try await client.set("/w/a", data: .utf8("2"))
                try await client.delete("/w/a")
                var iterator = client.watch("/w", options: WatchOptions(recursive: true, since: start.zxid))
                    .makeAsyncIterator()
                let got = try await Self.take(3, from: &iterator)
                #expect(Self.summary(got) == ["created /w/a 1", "changed /w/a 2", "deleted /w/a -"])
                #expect(got.map(\.zxid) == got.map(\.zxid).sorted())
            }
        }
    }

    @Test func resumesAcrossAServerRestartWithNothingLost() async throws {
        var limits = Limits()
        limits.proposalWaitMs = 500
        try await LiveMember.with(limits: limits) { member in
            try await withClient([member.endpoint]) { client in
                let start = try await client.create("/r")
                var iterator = client.watch("/r", options: WatchOptions(recursive: true, since: start.zxid))
                    .makeAsyncIterator()
                for index in 0..<3 { try await client.create("/r/\(index)", data: .utf8("\(index)")) }
                let before = try await Self.take(3, from: &iterator)
                #expect(Self.summary(before) == ["created /r/0 0", "created /r/1 1", "created /r/2 2"])

                // The member stops serving HTTP; changes go on while the stream is down.
                await member.stopHTTP()
                for index in 3..<6 { try await member.create("/r/\(index)", data: "\(index)") }
                try await member.startHTTP()
                for index in 6..<8 { try await client.create("/r/\(index)", data: .utf8("\(index)")) }

                let after = try await Self.take(5, from: &iterator)
                #expect(after.map(\.path) == (3..<8).map { "/r/\($0)" })
                #expect(iterator.connections >= 2)
            }
        }
    }

    @Test func recoversFromCompactedWithAnInitialSnapshot() async throws {
        var limits = Limits()
        limits.watchHistoryEventsMax = 4
        try await LiveMember.with(limits: limits) { member in
            try await withClient([member.endpoint]) { client in
                try await client.create("/c")
                for index in 0..<6 { try await client.create("/c/\(index)", data: .utf8("\(index)")) }
                var iterator = client.watch("/c", options: WatchOptions(recursive: true, since: Zxid(1)))
                    .makeAsyncIterator()
                let snapshot = try await Self.take(8, from: &iterator)
                #expect(snapshot.first?.kind == .initial)
                #expect(snapshot.first?.path == "/c")
                #expect(snapshot.dropFirst().prefix(6).map(\.path) == (0..<6).map { "/c/\($0)" })
                #expect(snapshot.last?.kind == .synced)
                try await client.set("/c/0", data: .utf8("new"))
                let next = try await Self.take(1, from: &iterator)
                #expect(Self.summary(next) == ["changed /c/0 new"])
            }
        }
    }
}
