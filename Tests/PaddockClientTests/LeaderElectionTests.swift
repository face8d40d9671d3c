import PaddockClient
import PaddockServer
import Testing
import ZNodeTree

@Suite("LeaderElection: leadership states and hand-over")
struct LeaderElectionTests {
    /// The first state of `stream` that satisfies `predicate`, or nil after `timeoutMs`
    /// (or when the stream ends first).
    static func first(
        _ stream: AsyncStream<Leadership>, timeoutMs: Int = 20_000, where predicate: @escaping @Sendable (Leadership) -> Bool
    ) async -> Leadership? {
        let reader = Task {
            for await state in stream where predicate(state) { return Optional(state) }
            return nil
        }
        let timer = Task {
            try? await Task.sleep(for: .milliseconds(timeoutMs))
            reader.cancel()
        }
        let found = await reader.value
        timer.cancel()
        return found
    }

    @Test func theNextCandidateLeadsWithAHigherTokenWhenTheLeadersSessionDies() async throws {
        try await LiveMember.with { member in
            try await withClient([member.endpoint]) { client in
                let firstSession = try await Session.open(client, ttlMs: 6_000)
                let secondSession = try await Session.open(client, ttlMs: 6_000)
                let first = LeaderElection("primary", session: firstSession, value: "10.0.0.1")
                let second = LeaderElection("primary", session: secondSession, value: "10.0.0.2")
                try await first.campaign()
                let firstStates = first.leadership()
                let leading = await Self.first(firstStates) { $0.token != nil }
                let firstToken = try #require(leading?.token)
                #expect(first.token == firstToken)

                try await second.campaign()
                let secondStates = second.leadership()
                let following = await Self.first(second.leadership()) { $0 != .following(leaderValue: nil) }
                #expect(following == .following(leaderValue: "10.0.0.1"))
                #expect(second.token == nil)

                try await firstSession.close()
                let lost = await Self.first(firstStates) { $0 == .lost }
                #expect(lost == .lost)
                let handedOver = await Self.first(secondStates) { $0.token != nil }
                let secondToken = try #require(handedOver?.token)
                #expect(secondToken > firstToken)
                #expect(second.token == secondToken)
                try await secondSession.close()
                let secondLost = await Self.first(second.leadership()) { $0 == .lost }
                #expect(secondLost == .lost)
            }
        }
    }

    @Test func resignHandsOverAndProclaimChangesTheValue() async throws {
        try await LiveMember.with { member in
            try await withClient([member.endpoint]) { client in
                let firstSession = try await Session.open(client, ttlMs: 6_000)
                let secondSession = try await Session.open(client, ttlMs: 6_000)
                let first = LeaderElection("primary", session: firstSession, value: "a")
                let second = LeaderElection("primary", session: secondSession, value: "b")
                try await first.campaign()
                let firstLeading = await Self.first(first.leadership()) { $0.token != nil }
                let firstToken = try #require(firstLeading?.token)
                try await second.campaign()
                let secondStates = second.leadership()
                let followsA = await Self.first(secondStates) { $0 == .following(leaderValue: "a") }
                #expect(followsA != nil)
                try await first.proclaim("a2")
                let followsA2 = await Self.first(secondStates) { $0 == .following(leaderValue: "a2") }
                #expect(followsA2 != nil)
                await #expect(throws: PaddockError.self) { try await second.proclaim("b2") }

                try await first.resign()
                #expect(first.state == .lost)
                let secondLeading = await Self.first(secondStates) { $0.token != nil }
                let secondToken = try #require(secondLeading?.token)
                #expect(secondToken > firstToken)
                try await second.resign()
                #expect(second.state == .lost)
                try await firstSession.close()
                try await secondSession.close()
            }
        }
    }
}
