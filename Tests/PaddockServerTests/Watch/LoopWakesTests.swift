import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import PaddockServer

/// Work queued for event loops during a publish runs on its loop, in order, only once sent.
@Suite struct LoopWakesTests {
    @Test func workRunsOnItsLoopInOrderOnlyAfterRun() {
        let first = EmbeddedEventLoop()
        let second = EmbeddedEventLoop()
        let ran = Mutex<[String]>([])
        var wakes = LoopWakes()
        #expect(wakes.isEmpty)
        for name in ["a1", "a2", "a3"] { wakes.schedule(on: first) { ran.withLock { $0.append(name) } } }
        for name in ["b1", "b2"] { wakes.schedule(on: second) { ran.withLock { $0.append(name) } } }
        #expect(!wakes.isEmpty)
        first.run()
        second.run()
        #expect(ran.withLock { $0 }.isEmpty, "nothing runs before the wakes are sent")

        wakes.run()
        first.run()
        #expect(ran.withLock { $0 } == ["a1", "a2", "a3"])
        second.run()
        #expect(ran.withLock { $0 } == ["a1", "a2", "a3", "b1", "b2"])
    }
}
