import NIOCore
import NIOHTTP1
import NIOPosix
import PaddockAPI
import Synchronization
import ZNodeTree

/// The write path shared by every handler that changes the tree.
enum Proposals {
    /// The longest `Idempotency-Key` accepted, in bytes.
    static let idempotencyKeyBytesMax = 256

    /// The `Idempotency-Key` of `request`, checked: 1 to 256 visible ASCII characters.
    static func idempotencyKey(_ request: APIRequest) throws(RequestRejection) -> String? {
        let values = request.headers["idempotency-key"]
        guard let key = values.first else { return nil }
        guard values.count == 1 else { throw RequestRejection(.badRequest, "Idempotency-Key is given twice") }
        guard !key.isEmpty, key.utf8.count <= idempotencyKeyBytesMax,
            key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else {
            throw RequestRejection(
                .badRequest, "Idempotency-Key must be 1 to \(idempotencyKeyBytesMax) visible ASCII characters")
        }
        return key
    }

    /// Proposes `command` and answers: `success` renders the committed result, a domain
    /// failure becomes its problem, an operating error its 503/410/413.
    ///
    /// `success` returns nil when the result does not belong to the command, which only
    /// happens when an `Idempotency-Key` is reused for a different request: that is
    /// answered with `BadRequest` rather than a misleading success.
    static func propose(
        _ command: Command, _ request: APIRequest, _ context: APIContext,
        success: (Committed) -> APIResponse?
    ) async -> APIResponse {
        let key: String?
        do {
            key = try idempotencyKey(request)
        } catch {
            return error.response
        }
        let committed: Committed
        let replica = context.replica
        switch await within(context.limits.proposalWaitMs, starting: { done in
            replica.propose(command, idempotencyKey: key, completion: done)
        }) {
        case .success(let value): committed = value
        case .failure(let error): return .problem(error)
        }
        if case .failed(let failure) = committed.result {
            return .problem(failure, zxid: committed.zxid)
        }
        if let response = success(committed) { return response }
        return .problem(
            .badRequest, "Idempotency-Key \"\(key ?? "")\" was first used by a different kind of request",
            zxid: committed.zxid)
    }

    /// `write` (a proposal to the replica, in a task of its own), waited for at most
    /// `waitMs` (`Limits.proposalWaitMs`); see `within(_:starting:)`.
    static func within(
        _ waitMs: Int64, _ write: @escaping @Sendable () async throws(ReplicaError) -> Committed
    ) async -> Result<Committed, ReplicaError> {
        let loop = MultiThreadedEventLoopGroup.currentEventLoop
        return await within(waitMs, starting: { done in
            let run: @Sendable () async -> Void = {
                do throws(ReplicaError) {
                    done(.success(try await write()))
                } catch {
                    done(.failure(error))
                }
            }
            // On the caller's event loop when there is one, like the handler itself: an
            // unstructured task does not inherit the handler's executor preference, and on
            // the global pool the write would wait whenever that pool is busy.
            if let loop {
                Task(executorPreference: EventLoopTaskExecutor(eventLoop: loop)) { await run() }
            } else {
                Task { await run() }
            }
        })
    }

    /// The outcome `start` hands to its completion, waited for at most `waitMs`
    /// (`Limits.proposalWaitMs`).
    ///
    /// Why a race rather than cancellation: the replica's wait cannot be cancelled (the
    /// entry may already be in the log), so a timer (on the current event loop when there
    /// is one) answers first when it fires. Past the wait the answer is `unavailable` with
    /// `Retry-After`; the write may still apply later and its late answer is dropped, so a
    /// client retries with the same `Idempotency-Key`. `start` runs at once, on the
    /// caller's thread; it must not block.
    static func within(
        _ waitMs: Int64, starting start: (@escaping ProposalCompletion) -> Void
    ) async -> Result<Committed, ReplicaError> {
        let race = ProposalRace()
        let loop = MultiThreadedEventLoopGroup.currentEventLoop
        let timeout = ReplicaError(
            code: .unavailable,
            message: "the write did not commit within \(waitMs) ms and may still apply; "
                + "retry (with the same Idempotency-Key, if it had one)",
            retryAfterSeconds: 1
        )
        return await withCheckedContinuation { (continuation: CheckedContinuation<Result<Committed, ReplicaError>, Never>) in
            race.arm(continuation)
            let stopTimer: @Sendable () -> Void
            if let loop {
                let timer = loop.scheduleTask(in: .milliseconds(waitMs)) { race.finish(.failure(timeout)) }
                stopTimer = { timer.cancel() }
            } else {
                let timer = Task {
                    try? await Task.sleep(for: .milliseconds(waitMs))
                    if !Task.isCancelled { race.finish(.failure(timeout)) }
                }
                stopTimer = { timer.cancel() }
            }
            start { outcome in
                stopTimer()
                race.finish(outcome)
            }
        }
    }
}

/// The one waiter of `Proposals.within`: whichever of the replica's answer and the
/// timer comes first resumes it; the other finds it gone and is dropped.
private final class ProposalRace: Sendable {
    private let waiter = Mutex<CheckedContinuation<Result<Committed, ReplicaError>, Never>?>(nil)

    func arm(_ continuation: CheckedContinuation<Result<Committed, ReplicaError>, Never>) {
        waiter.withLock { $0 = continuation }
    }

    func finish(_ outcome: Result<Committed, ReplicaError>) {
        let taken = waiter.withLock { waiter in
            let taken = waiter
            waiter = nil
            return taken
        }
        taken?.resume(returning: outcome)
    }
}
