import PaddockClient
import PaddockServer
import Testing
import ZNodeTree

@Suite("Session keeps itself alive and reports its state")
struct SessionTests {
    /// Collects states from `stream` until a final one, or until `timeoutMs`.
    static func collect(_ stream: AsyncStream<SessionState>, timeoutMs: Int) async -> [SessionState] {
        let reader = Task {
            var seen: [SessionState] = []
            for await state in stream {
                seen.append(state)
                if state.isFinal { break }
            }
            return seen
        }
        let timer = Task {
            try? await Task.sleep(for: .milliseconds(timeoutMs))
            reader.cancel()
        }
        let seen = await reader.value
        timer.cancel()
        return seen
    }

    @Test func staysConnectedPastItsTTLThenCloses() async throws {
        try await LiveMember.with { member in
            try await withClient([member.endpoint]) { client in
                // A TTL with room for a machine saturated by the whole suite.
                let session = try await Session.open(client, ttlMs: 12_000)
                try await client.create("/owned", kind: .ephemeral, session: session.id)
                // Longer than the TTL: only the background keepalives can keep the node.
                let start = ContinuousClock.now
                while ContinuousClock.now - start < .milliseconds(13_000) {
                    try await Task.sleep(for: .milliseconds(100))
                    #expect(session.state == .connected)
                }
                #expect(try await client.exists("/owned") != nil)
                let closed = try await session.close()
                #expect(closed.deleted == ["/owned"])
                #expect(session.state == .closed)
                #expect(try await client.exists("/owned") == nil)
            }
        }
    }

    @Test func goesSuspendedThenExpiredWhenTheMemberIsUnreachable() async throws {
        try await LiveMember.with { member in
            var configuration = ClientConfiguration.fast
            configuration.connectTimeoutMs = 200
            try await withClient([member.endpoint], configuration: configuration) { client in
                // A TTL long enough that a failing keepalive comes before it passes.
                let session = try await Session.open(client, ttlMs: 6_000)
                let states = session.states()
                await member.stopHTTP()
                let seen = await Self.collect(states, timeoutMs: 30_000)
                // Suspended while keepalives fail and the TTL has not passed; a machine busy
                // enough to delay the first failing keepalive past the TTL goes straight to
                // expired. Never connected again.
                #expect(seen.first == .connected && seen.last == .expired, "\(seen) \(String(describing: session.lastKeepAliveFailure))")
                #expect(seen.dropFirst().dropLast().allSatisfy { $0 == .suspended }, "\(seen)")
                #expect(session.state == .expired)
                try await member.startHTTP()
            }
        }
    }

    @Test func expiresWhenTheServerForgetsIt() async throws {
        try await LiveMember.with { member in
            try await withClient([member.endpoint]) { client in
                let session = try await Session.open(client, ttlMs: 5_000)
                let states = session.states()
                try await client.closeSession(session.id)
                let seen = await Self.collect(states, timeoutMs: 20_000)
                // A keepalive held up by a busy machine may first report suspended; the
                // session must still end expired, and never connected again.
                #expect(seen.first == .connected && seen.last == .expired, "\(seen)")
                #expect(seen.dropFirst().dropLast().allSatisfy { $0 == .suspended }, "\(seen)")
                // A late subscriber sees the final state and the end.
                var late: [SessionState] = []
                for await state in session.states() { late.append(state) }
                #expect(late == [.expired])
            }
        }
    }
}
