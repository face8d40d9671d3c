import NIOCore

/// Runs Swift tasks on one NIO event loop.
///
/// Why: a request handler is `async` (the replica's API is), but on the read path the
/// replica answers without suspending. Starting the handler's task with this executor as
/// its preference keeps the whole request on the connection's event loop thread: no hop
/// to the global pool and back, which is most of the cost of a small read.
final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop jobs run on.
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        eventLoop.execute {
            unowned.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
