import RaftCore
import Testing
@testable import PaddockSimulation

/// The simulated network and disk do what the simulator relies on.
@Suite struct HarnessTests {
    @Test func networkDelaysAndOrdersBySendWithinATick() {
        var network = SimulatedNetwork<Int>()
        var random = SimulationRandom(seed: 1)
        for value in 0..<5 { network.send(from: NodeID(1), to: NodeID(2), payload: value, now: 0, random: &random) }
        #expect(network.deliverDue(now: 0).isEmpty)
        #expect(network.deliverDue(now: 1).map(\.payload) == [0, 1, 2, 3, 4])
        #expect(network.inFlightCount == 0)
    }

    @Test func partitionsCutBothWaysAndOneWayCutsOneWay() {
        var network = SimulatedNetwork<Int>()
        var random = SimulationRandom(seed: 2)
        network.partition([NodeID(1)], from: [NodeID(2), NodeID(3)])
        network.cut(from: NodeID(2), to: NodeID(3))
        #expect(!network.isConnected(from: NodeID(1), to: NodeID(2)))
        #expect(!network.isConnected(from: NodeID(3), to: NodeID(1)))
        #expect(!network.isConnected(from: NodeID(2), to: NodeID(3)))
        #expect(network.isConnected(from: NodeID(3), to: NodeID(2)))
        network.send(from: NodeID(1), to: NodeID(2), payload: 7, now: 0, random: &random)
        network.send(from: NodeID(3), to: NodeID(2), payload: 8, now: 0, random: &random)
        #expect(network.deliverDue(now: 5).map(\.payload) == [8])
        #expect(network.droppedCount == 1)
        network.heal()
        #expect(!network.isPartitioned)
    }

    @Test func dropAndDuplicateRatesFollowTheFaults() {
        var network = SimulatedNetwork<Int>()
        network.faults = NetworkFaults(dropPerMille: 200, duplicatePerMille: 200, delayTicksMin: 1, delayTicksMax: 3)
        var random = SimulationRandom(seed: 3)
        for value in 0..<1_000 { network.send(from: NodeID(1), to: NodeID(2), payload: value, now: 0, random: &random) }
        let delivered = network.deliverDue(now: 3)
        #expect(network.droppedCount > 120 && network.droppedCount < 280)
        #expect(delivered.count > 850 && delivered.count < 1_100)
        let ordered = delivered.map(\.payload)
        #expect(ordered != ordered.sorted(), "delays of 1 to 3 ticks reorder messages")
    }

    @Test func crashLosesWhatWasNotSynced() {
        var disk = SimulatedDisk<[UInt8]>()
        let entries = (1...3).map { LogEntry(term: Term(1), index: LogIndex(UInt64($0)), data: [UInt8($0)]) }
        disk.writeEntries(entries)
        disk.writeHardState(HardState(term: Term(1), vote: NodeID(2), commit: LogIndex(2)))
        disk.sync()
        disk.writeEntries([LogEntry(term: Term(2), index: LogIndex(3), data: [9])])
        disk.writeHardState(HardState(term: Term(2), vote: NodeID(3), commit: LogIndex(2)))
        #expect(disk.pending.entries.last?.term == Term(2))
        disk.crash()
        #expect(disk.durable.entries == entries)
        #expect(disk.pending.hardState.vote == NodeID(2))
        #expect(!disk.isDirty)
    }

    @Test func snapshotKeepsAMatchingSuffixOnly() {
        var disk = SimulatedDisk<[UInt8]>()
        disk.writeEntries((1...5).map { LogEntry(term: Term(1), index: LogIndex(UInt64($0)), data: []) })
        disk.writeSnapshot([1], index: LogIndex(3), term: Term(1))
        #expect(disk.pending.entries.map(\.index.rawValue) == [4, 5])
        disk.writeSnapshot([2], index: LogIndex(4), term: Term(7))
        #expect(disk.pending.entries.isEmpty)
        #expect(disk.pending.lastIndex == LogIndex(4))
    }

    @Test func commandsAndSnapshotsRoundTrip() {
        let commands = [
            KeyValueCommand(operationID: 77, key: 2, action: .write(-3)),
            KeyValueCommand(operationID: 1 << 40, key: 0, action: .compareAndSet(expected: 4, new: 1)),
        ]
        for command in commands { #expect(KeyValueCommand(decoding: command.encoded) == command) }
        #expect(KeyValueCommand(decoding: []) == nil)
        var machine = KeyValueStateMachine(keyCount: 3)
        let first = machine.apply(LogEntry(term: Term(1), index: LogIndex(1), data: commands[0].encoded))
        #expect(first?.operationID == 77 && first?.output == .ok)
        let second = machine.apply(LogEntry(term: Term(1), index: LogIndex(2), data: commands[1].encoded))
        #expect(second?.output == .failed)
        var restored = KeyValueStateMachine(keyCount: 3)
        restored.restore(machine.snapshot)
        #expect(restored == machine)
        #expect(restored.values == [nil, nil, -3])
    }
}
