import Logging
import PaddockStorage
import RaftCore

extension SingleNodeReplica {
    /// Opens (or creates) the store in `directory` and starts a replica on it whose log
    /// transactions are recorded in `metrics`, and registers the replica as the sampler of
    /// `metrics`; otherwise as `start(directory:options:logger:)`.
    ///
    /// - Throws: `ReplicaError` with code `.storage` when the store cannot be opened or
    ///   recovered, as `start(directory:options:logger:)`.
    public static func start(
        directory: String,
        options: ReplicaOptions = .init(),
        logger: Logger = Logger(label: "paddock.replica"),
        metrics: PaddockMetrics,
        watchHub: WatchHub = WatchHub()
    ) throws(ReplicaError) -> SingleNodeReplica {
        let store: LogStore
        do {
            store = try LogStore(directory: directory)
        } catch {
            throw ReplicaError(code: .storage, message: "cannot open the data directory \(directory): \(error)")
        }
        let replica: SingleNodeReplica
        do {
            replica = try start(
                log: InstrumentedReplicaLog(store, metrics: metrics), options: options, logger: logger, watchHub: watchHub)
        } catch {
            store.close()
            throw error
        }
        metrics.setSampler { [weak replica] in
            replica?.metricsSample ?? RaftSample(
                term: .zero, role: .single, commitIndex: .zero, appliedIndex: .zero, sessions: 0, znodes: 0)
        }
        metrics.setWatcherSource { [weak watchHub] in watchHub?.watcherCount ?? 0 }
        return replica
    }

    /// Term, role, indexes and counts for `PaddockMetrics`, read under one short lock.
    public var metricsSample: RaftSample {
        shared.withLock { state in
            RaftSample(
                term: Self.term, role: .single, commitIndex: state.committedIndex, appliedIndex: state.appliedIndex,
                sessions: state.tree.sessionCount, znodes: state.tree.nodeCount)
        }
    }
}
