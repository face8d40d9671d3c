import Logging
import PaddockStorage
import RaftCore


extension ClusterReplica {
    /// Opens (or creates) the store in `directory` with its fsyncs and batch sizes fed to
    /// `metrics`, and starts a member on it; see `start(log:options:link:logger:)`.
    ///
    /// - Throws: `ReplicaError` `.storage` when the store cannot be opened or recovered.
    public static func start(
        directory: String, options: ClusterOptions, link: any PeerNetwork, logger: Logger, metrics: PaddockMetrics,
        watchHub: WatchHub = WatchHub()
    ) throws(ReplicaError) -> ClusterReplica {
        let store: LogStore
        do {
            store = try LogStore(directory: directory)
        } catch {
            throw ReplicaError(code: .storage, message: "cannot open the data directory \(directory): \(error)")
        }
        do {
            let replica = try start(
                log: InstrumentedReplicaLog(store, metrics: metrics), options: options, link: link, logger: logger,
                watchHub: watchHub)
            metrics.setSampler { [weak replica] in
                replica?.metricsSample
                    ?? RaftSample(term: .zero, role: .follower, commitIndex: .zero, appliedIndex: .zero, sessions: 0, znodes: 0)
            }
            metrics.setWatcherSource { [weak watchHub] in watchHub?.watcherCount ?? 0 }
            return replica
        } catch {
            store.close()
            throw error
        }
    }

    /// Term, role, indexes and counts for `PaddockMetrics`, read under one short lock.
    public var metricsSample: RaftSample {
        shared.withLock { state in
            let raft = state.raftStatus
            return RaftSample(
                term: raft.term, role: MemberRole(raft.role, isLearner: raft.membership.isLearner(raft.id)),
                commitIndex: raft.commit, appliedIndex: raft.applied,
                sessions: state.tree.sessionCount, znodes: state.tree.nodeCount)
        }
    }
}
