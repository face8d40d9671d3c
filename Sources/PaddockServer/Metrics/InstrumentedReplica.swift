import ZNodeTree

/// A `ReplicaService` that counts the outcome of every proposal in `paddock_proposals_total`
/// and otherwise forwards each call unchanged.
///
/// Why a wrapper: the outcome of a proposal is visible at this boundary for any member
/// (single node or Raft), so the replica code needs no metrics calls. A replica that calls
/// `PaddockMetrics.recordProposal(result:)` itself must not be wrapped too, or each
/// proposal counts twice. Opening a session counts as a proposal; keepalives do not (they
/// are not logged).
public struct InstrumentedReplica: ReplicaService {
    /// The member whose calls are forwarded.
    public let base: any ReplicaService
    private let metrics: PaddockMetrics

    /// Wraps `base`, counting into `metrics`.
    public init(_ base: any ReplicaService, metrics: PaddockMetrics) {
        self.base = base
        self.metrics = metrics
    }

    /// See `ReplicaService.propose`; counts the outcome.
    /// - Throws: what `base` throws (counted as `refused`).
    public func propose(_ command: Command, idempotencyKey: String?) async throws(ReplicaError) -> Committed {
        let committed: Committed
        do {
            committed = try await base.propose(command, idempotencyKey: idempotencyKey)
        } catch {
            metrics.recordProposal(result: .refused)
            throw error
        }
        metrics.recordProposal(result: Self.result(of: committed))
        return committed
    }

    /// See `ReplicaService.propose(_:idempotencyKey:completion:)`; counts the outcome.
    public func propose(_ command: Command, idempotencyKey: String?, completion: @escaping ProposalCompletion) {
        let metrics = self.metrics
        base.propose(command, idempotencyKey: idempotencyKey) { outcome in
            switch outcome {
            case .success(let committed): metrics.recordProposal(result: Self.result(of: committed))
            case .failure: metrics.recordProposal(result: .refused)
            }
            completion(outcome)
        }
    }

    /// See `ReplicaService.openSession`; counts the outcome.
    /// - Throws: what `base` throws (counted as `refused`).
    public func openSession(ttlMs: Int64) async throws(ReplicaError) -> Committed {
        let committed: Committed
        do {
            committed = try await base.openSession(ttlMs: ttlMs)
        } catch {
            metrics.recordProposal(result: .refused)
            throw error
        }
        metrics.recordProposal(result: Self.result(of: committed))
        return committed
    }

    /// See `ReplicaService.read`.
    /// - Throws: what `base` throws.
    public func read(_ consistency: ReadConsistency) async throws(ReplicaError) -> TreeView {
        try await base.read(consistency)
    }

    /// See `ReplicaService.readNow`.
    /// - Throws: what `base` throws.
    public func readNow(_ consistency: ReadConsistency) throws(ReplicaError) -> TreeView? {
        try base.readNow(consistency)
    }

    /// See `ReplicaService.keepAlive`.
    /// - Throws: what `base` throws.
    public func keepAlive(_ session: SessionID) async throws(ReplicaError) -> Int64 {
        try await base.keepAlive(session)
    }

    /// See `ReplicaService.status`.
    public var status: ReplicaStatus { base.status }

    /// `failed` for a domain failure, else `committed`.
    static func result(of committed: Committed) -> ProposalResult {
        if case .failed = committed.result { return .failed }
        return .committed
    }
}
