import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ZNodeTree

/// One HTTP request of the API, before it is sent to a member.
struct Call: Sendable {
    /// The method.
    var method: HTTPMethod
    /// The path and query under the endpoint (`/v1/nodes/a?version=3`).
    var target: String
    /// The JSON body, if any.
    var body: [UInt8]?
    /// Whether the call changes state: it then carries an `Idempotency-Key`.
    var isWrite: Bool
    /// More request headers.
    var headers: [(String, String)] = []
    /// Whether one attempt may take the whole call deadline: for requests the server
    /// itself may take long to answer (membership changes, snapshots), where cutting an
    /// attempt short would only repeat the work.
    var isLong = false

    /// A call from its parts.
    init(_ method: HTTPMethod, _ target: String, body: [UInt8]? = nil, isWrite: Bool, headers: [(String, String)] = []) {
        self.method = method
        self.target = target
        self.body = body
        self.isWrite = isWrite
        self.headers = headers
    }
}

/// A successful (2xx) answer, read whole.
struct Answer: Sendable {
    /// The HTTP status.
    var status: Int
    /// The response headers.
    var headers: HTTPHeaders
    /// The body.
    var body: [UInt8]
    /// The endpoint that answered.
    var endpoint: String

    /// `Paddock-Zxid`, when present and a number.
    var zxid: Zxid? { Transport.zxid(headers) }
}

/// Sends calls to the members with failover, retries, backoff and deadlines.
///
/// Every write gets one `Idempotency-Key` (a UUID) kept across all its attempts, so a
/// write whose answer was lost and that is retried (on the same member or another) is
/// applied once and answered with the first result.
final class Transport: Sendable {
    let http: HTTPClient
    let ownsHTTPClient: Bool
    let endpoints: Endpoints
    let configuration: ClientConfiguration
    let logger: Logger

    init(endpoints: Endpoints, configuration: ClientConfiguration, httpClient: HTTPClient?, logger: Logger) {
        self.endpoints = endpoints
        self.configuration = configuration
        self.logger = logger
        if let httpClient {
            self.http = httpClient
            self.ownsHTTPClient = false
        } else {
            var http = HTTPClient.Configuration()
            http.timeout = .init(
                connect: .milliseconds(configuration.connectTimeoutMs), read: .milliseconds(configuration.watchIdleTimeoutMs))
            // The client retries across members itself; the pool's own retries would hide a
            // refused connection until the connect timeout.
            http.connectionPool.retryConnectionEstablishment = false
            http.redirectConfiguration = .disallow
            http.decompression = .disabled
            self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
            self.ownsHTTPClient = true
        }
    }

    /// Sends `call` until one member answers it (or refuses it for a reason that is not
    /// retryable), and reads the whole answer.
    ///
    /// - Throws: `PaddockError`: the server's refusal, or `unreachable`/`timeout` (or the
    ///   last 503 refusal) when the call's deadline passed.
    func perform(_ call: Call, callTimeoutMs: Int64? = nil) async throws(PaddockError) -> Answer {
        let key = call.isWrite ? UUID().uuidString : nil
        return try await retrying(callTimeoutMs: callTimeoutMs, longAttempts: call.isLong) {
            _, url, timeoutMs throws(PaddockError) in
            try await self.exchange(call, idempotencyKey: key, baseURL: url, timeoutMs: timeoutMs)
        }
    }

    /// Sends `call` with retries like `perform`, but returns the response as soon as its
    /// head is a 2xx, with its body still streaming (for watches).
    func open(_ call: Call) async throws(PaddockError) -> (HTTPClientResponse, endpoint: String) {
        try await retrying { _, url, timeoutMs throws(PaddockError) in
            let request = self.request(call, idempotencyKey: nil, baseURL: url)
            let response: HTTPClientResponse
            do {
                response = try await self.http.execute(request, timeout: .milliseconds(timeoutMs), logger: self.logger)
            } catch {
                throw Self.classify(error, endpoint: url)
            }
            guard (200..<300).contains(Int(response.status.code)) else {
                let body = try? await response.body.collect(upTo: 1 << 20)
                throw Self.problem(status: Int(response.status.code), headers: response.headers,
                                   body: body.map { Array(buffer: $0) } ?? [], endpoint: url)
            }
            return (response, url)
        }
    }

    /// Tries `attempt` on the members in turn until it succeeds, throws a refusal that is
    /// not retryable, or the call's deadline (`callTimeoutMs`, by default the
    /// configuration's) passes.
    func retrying<Value: Sendable>(
        callTimeoutMs: Int64? = nil,
        longAttempts: Bool = false,
        _ attempt: (_ index: Int, _ url: String, _ timeoutMs: Int64) async throws(PaddockError) -> Value
    ) async throws(PaddockError) -> Value {
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started.advanced(by: .milliseconds(callTimeoutMs ?? configuration.callTimeoutMs))
        let urls = endpoints.urls
        let first = endpoints.preferredIndex
        let backoff = Backoff(initialMs: configuration.backoffInitialMs, maxMs: configuration.backoffMaxMs)
        var generator = SystemRandomNumberGenerator()
        var lastError: PaddockError?
        var attempts = 0
        // Bounded: every round sleeps at least 1 ms, so the deadline ends the loop long
        // before this count; it only guards against a clock that does not move.
        let attemptsMax = 100_000
        while attempts < attemptsMax {
            if Task.isCancelled { throw PaddockError(.cancelled, "the call was cancelled") }
            if attempts > 0, attempts % urls.count == 0 {
                let sleepMs = backoff.delayMs(round: attempts / urls.count, using: &generator)
                guard Self.milliseconds(deadline - clock.now) > sleepMs else { break }
                try await Self.sleep(sleepMs, on: http.eventLoopGroup.any())
            }
            let remainingMs = Self.milliseconds(deadline - clock.now)
            guard remainingMs > 0 else { break }
            let index = (first + attempts) % urls.count
            attempts += 1
            do throws(PaddockError) {
                let attemptMs = longAttempts ? remainingMs : min(configuration.attemptTimeoutMs, remainingMs)
                let value = try await attempt(index, urls[index], attemptMs)
                endpoints.prefer(index)
                return value
            } catch {
                guard error.code.isRetryable else {
                    if error.status != nil { endpoints.prefer(index) }
                    throw error
                }
                logger.debug("attempt failed", metadata: ["endpoint": "\(urls[index])", "error": "\(error)"])
                lastError = error
            }
        }
        let elapsedMs = Self.milliseconds(clock.now - started)
        let summary = "gave up after \(attempts) attempt(s) over \(urls.count) endpoint(s) in \(elapsedMs) ms"
        guard var error = lastError else {
            throw PaddockError(.timeout, "no attempt could start before the deadline (\(summary))")
        }
        error.message += " (\(summary))"
        throw error
    }

    /// One attempt: send, read the whole answer, within `timeoutMs`.
    func exchange(_ call: Call, idempotencyKey: String?, baseURL: String, timeoutMs: Int64)
        async throws(PaddockError) -> Answer
    {
        let request = request(call, idempotencyKey: idempotencyKey, baseURL: baseURL)
        let http = self.http
        let logger = self.logger
        let bytesMax = configuration.responseBytesMax
        let outcome: Answer
        do {
            outcome = try await Self.within(timeoutMs: timeoutMs, endpoint: baseURL, on: http.eventLoopGroup.any()) {
                let response = try await http.execute(request, timeout: .milliseconds(timeoutMs), logger: logger)
                let body = try await response.body.collect(upTo: bytesMax)
                return Answer(
                    status: Int(response.status.code), headers: response.headers, body: Array(buffer: body),
                    endpoint: baseURL)
            }
        } catch let error as PaddockError {
            throw error
        } catch {
            throw Self.classify(error, endpoint: baseURL)
        }
        guard (200..<300).contains(outcome.status) else {
            throw Self.problem(status: outcome.status, headers: outcome.headers, body: outcome.body, endpoint: baseURL)
        }
        return outcome
    }

    func request(_ call: Call, idempotencyKey: String?, baseURL: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + call.target)
        request.method = call.method
        if let body = call.body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        for (name, value) in call.headers { request.headers.add(name: name, value: value) }
        return request
    }

    /// Waits `ms` on `eventLoop`'s timer.
    ///
    /// Why not `Task.sleep`: its wake-up passes through the global executor, which a busy
    /// cooperative pool holds back; the timer resumes the task on its own executor, so a
    /// task that prefers an event loop (a session's keepalives) is never held back.
    /// - Throws: `PaddockError` `.cancelled` when the task is cancelled meanwhile.
    static func sleep(_ ms: Int64, on eventLoop: any EventLoop) async throws(PaddockError) {
        let scheduled = eventLoop.scheduleTask(in: .milliseconds(ms)) {}
        do {
            try await withTaskCancellationHandler {
                try await scheduled.futureResult.get()
            } onCancel: {
                scheduled.cancel()
            }
        } catch {
            throw PaddockError(.cancelled, "the call was cancelled")
        }
        if Task.isCancelled { throw PaddockError(.cancelled, "the call was cancelled") }
    }

    /// Runs `body`, or throws `timeout` once `timeoutMs` passes (cancelling `body`).
    static func within<Value: Sendable>(
        timeoutMs: Int64, endpoint: String, on eventLoop: any EventLoop,
        _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await sleep(timeoutMs, on: eventLoop)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw PaddockError(.timeout, "\(endpoint) did not answer within \(timeoutMs) ms", endpoint: endpoint)
            }
            return value
        }
    }

    /// The `PaddockError` for a failure below HTTP.
    static func classify(_ error: any Error, endpoint: String) -> PaddockError {
        if let error = error as? PaddockError { return error }
        if Task.isCancelled { return PaddockError(.cancelled, "the call was cancelled", endpoint: endpoint, cause: error) }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .cancelled:
                return PaddockError(.timeout, "\(endpoint) did not answer in time", endpoint: endpoint, cause: error)
            default:
                break
            }
        }
        if error is NIOTooManyBytesError {
            return PaddockError(.invalidResponse, "the answer of \(endpoint) is too large", endpoint: endpoint, cause: error)
        }
        return PaddockError(.unreachable, "cannot reach \(endpoint): \(reason(error))", endpoint: endpoint, cause: error)
    }

    /// A short account of a connection failure, for one-line messages.
    static func reason(_ error: any Error) -> String {
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connect timed out"
            case .remoteConnectionClosed: return "the connection was closed"
            default: return error.description
            }
        }
        return String(describing: error)
    }

    /// The `PaddockError` for a refusal (a status outside 2xx) with a problem+json body.
    static func problem(status: Int, headers: HTTPHeaders, body: [UInt8], endpoint: String) -> PaddockError {
        let zxid = zxid(headers)
        guard let problem = try? JSONDecoder().decode(ProblemBody.self, from: Data(body)) else {
            let code: PaddockError.Code = status == 503 ? .unavailable : .invalidResponse
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            return PaddockError(
                code, "HTTP \(status) from \(endpoint) without a problem body: \(text)", status: status, zxid: zxid,
                endpoint: endpoint)
        }
        return PaddockError(
            PaddockError.Code(serverCode: problem.code), problem.detail ?? problem.title ?? problem.code, status: status,
            path: problem.path, opIndex: problem.opIndex, oldestZxid: problem.oldestZxid.map { Zxid($0) }, zxid: zxid,
            endpoint: endpoint)
    }

    static func zxid(_ headers: HTTPHeaders) -> Zxid? {
        headers.first(name: "Paddock-Zxid").flatMap { UInt64($0) }.map { Zxid($0) }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }

    func shutdown() async throws {
        if ownsHTTPClient { try await http.shutdown() }
    }
}

/// The fields of a problem+json body the client reads.
struct ProblemBody: Decodable {
    var code: String
    var title: String?
    var detail: String?
    var path: String?
    var opIndex: Int?
    var oldestZxid: UInt64?
}
