import RaftCore
import Testing
import ZNodeTree

@testable import PaddockServer

@Suite struct ReplicaStateTests {
    func state(queued sizes: [Int]) -> ReplicaState {
        var state = ReplicaState(
            nextIndex: LogIndex(1), lastTimeMs: 0, committedIndex: .zero, appliedIndex: .zero,
            readyIndex: LogIndex(1), tree: ZNodeTree())
        for size in sizes {
            let entry = Entry(zxid: .zero, timeMs: 5, idempotencyKey: nil, command: .noop)
            _ = state.enqueue(entry, bytes: [UInt8](repeating: 1, count: size), reply: nil)
        }
        return state
    }

    @Test func batchesStopAtTheByteBoundButTakeAtLeastOneEntry() {
        var state = state(queued: [10, 10, 10, 40, 10])
        let first = state.takeBatch(entriesMax: 100, bytesMax: 25)
        let second = state.takeBatch(entriesMax: 100, bytesMax: 25)
        let third = state.takeBatch(entriesMax: 100, bytesMax: 25)
        let fourth = state.takeBatch(entriesMax: 100, bytesMax: 25)
        #expect(first.map(\.entry.zxid.rawValue) == [1, 2])
        #expect(second.map(\.entry.zxid.rawValue) == [3])
        #expect(third.map(\.entry.zxid.rawValue) == [4])
        #expect(fourth.map(\.entry.zxid.rawValue) == [5])
        #expect(state.queue.isEmpty)
        #expect(state.inFlightCount == 5)
        #expect(state.pendingBytes == 80)
    }

    @Test func batchesStopAtTheEntryBound() {
        var state = state(queued: [1, 1, 1, 1, 1])
        let first = state.takeBatch(entriesMax: 3, bytesMax: 1_000)
        let rest = state.takeBatch(entriesMax: 3, bytesMax: 1_000)
        #expect(first.count == 3)
        #expect(rest.count == 2)
        #expect(state.nextIndex == LogIndex(6))
    }

    @Test func entryTimeNeverGoesBack() {
        var state = state(queued: [])
        _ = state.enqueue(Entry(zxid: .zero, timeMs: 100, idempotencyKey: nil, command: .noop), bytes: [], reply: nil)
        _ = state.enqueue(Entry(zxid: .zero, timeMs: 40, idempotencyKey: nil, command: .noop), bytes: [], reply: nil)
        let times = state.queue.map(\.entry.timeMs)
        let decoded = state.queue.map { try? Entry(decoding: $0.bytes, zxid: $0.entry.zxid) }
        #expect(times == [100, 100])
        #expect(decoded.map { $0?.timeMs } == [100, 100])
        #expect(state.queue.map(\.entry.zxid.rawValue) == [1, 2])
    }
}
