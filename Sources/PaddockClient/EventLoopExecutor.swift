import NIOCore

/// A task executor that runs jobs on one NIO event loop.
///
/// Why: a session's keepalives must go out on time even when the application keeps
/// Swift's cooperative pool busy (it has one thread per core). The keepalive task prefers
/// this executor, so its jobs, its sleeps' wake-ups and the HTTP client's answers all run
/// on the event loop's own thread. The jobs are short (build a request, read an answer).
final class EventLoopExecutor: TaskExecutor {
    /// The loop the jobs run on.
    let eventLoop: any EventLoop

    /// An executor on `eventLoop`.
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
