import NIOEmbedded
import Testing

@testable import PaddockServer

/// The gate admits up to its limit, and nothing once the server started closing.
@Suite struct ConnectionGateTests {
    @Test func nothingIsAdmittedOnceClosingStarts() throws {
        let gate = ConnectionGate(connectionsMax: 2)
        let first = EmbeddedChannel()
        let second = EmbeddedChannel()
        let third = EmbeddedChannel()
        let late = EmbeddedChannel()
        #expect(gate.admit(first) == .admitted)
        #expect(gate.admit(second) == .admitted)
        #expect(gate.admit(third) == .full)
        gate.release(second)

        let draining = gate.beginClosing()
        #expect(draining.count == 1)
        #expect(draining.first === first)
        #expect(gate.admit(late) == .closing)
        #expect(gate.openChannels.count == 1)
        for channel in [first, second, third, late] { _ = try channel.finish(acceptAlreadyClosed: true) }
    }
}
