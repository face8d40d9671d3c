import ZNodeTree

/// The knobs of a single-node replica, each with its default and what happens past it.
///
/// `paddock serve` fills these from its flags and from `Limits`; tests shrink them.
public struct ReplicaOptions: Sendable, Equatable {
    /// Applied entries between two snapshots (default 10,000). A snapshot is taken off the
    /// apply path once this many entries were applied since the last one; only one is in
    /// flight at a time.
    public var snapshotIntervalEntries: Int
    /// Entries kept in the log behind a snapshot (default 1,000), so a slow reader of the
    /// log (later: a lagging follower) can still catch up without the snapshot.
    public var snapshotLogTailEntries: Int
    /// Proposals queued or being written at once (default 10,000). Past it `propose`
    /// throws `unavailable` with a retry hint and nothing is logged.
    public var pendingProposalsMax: Int
    /// Sessions open or opening at once (default 100,000). Past it opening a session
    /// throws `tooManySessions`.
    public var sessionsMax: Int
    /// Largest encoded entry accepted into the log (default 8 MiB). Past it `propose`
    /// throws `proposalTooLarge`; HTTP's own body limits normally stop such requests first.
    public var entryBytesMax: Int
    /// Most encoded bytes queued or being written at once (default 256 MiB). Past it
    /// `propose` throws `unavailable` with a retry hint: large values fill memory long
    /// before `pendingProposalsMax` small ones would.
    public var pendingBytesMax: Int
    /// Most entries written in one transaction (default 4,096); the rest wait for the next.
    public var batchEntriesMax: Int
    /// Most encoded bytes written in one transaction (default 16 MiB, at least one entry);
    /// the rest wait for the next, so one transaction never holds gigabytes.
    public var batchBytesMax: Int
    /// Period of the expiry timer for sessions and TTL nodes (default 100 ms, at most
    /// 1,000 ms). A session expires at most about this long after its deadline.
    public var expiryTickMs: Int
    /// The limits a fresh tree is created with (idempotency retention, path bytes). A
    /// recovered tree keeps the ones stored in its snapshot, as every replica must agree.
    ///
    /// These are a protocol value, not a flag: entries are applied again after every
    /// restart and must give the same results, so a store must always be opened with
    /// the same tree limits. `init(limits:)` leaves the defaults; tests may shrink them.
    public var treeLimits: ZNodeTree.Limits

    /// Options with the documented defaults, or the values given.
    public init(
        snapshotIntervalEntries: Int = 10_000,
        snapshotLogTailEntries: Int = 1_000,
        pendingProposalsMax: Int = 10_000,
        sessionsMax: Int = 100_000,
        entryBytesMax: Int = 8 * 1_048_576,
        pendingBytesMax: Int = 256 * 1_048_576,
        batchEntriesMax: Int = 4_096,
        batchBytesMax: Int = 16 * 1_048_576,
        expiryTickMs: Int = 100,
        treeLimits: ZNodeTree.Limits = .init()
    ) {
        precondition(snapshotIntervalEntries > 0, "snapshotIntervalEntries \(snapshotIntervalEntries) must be > 0")
        precondition(snapshotLogTailEntries >= 0, "snapshotLogTailEntries \(snapshotLogTailEntries) must be >= 0")
        precondition(pendingProposalsMax > 0, "pendingProposalsMax \(pendingProposalsMax) must be > 0")
        precondition(sessionsMax >= 0, "sessionsMax \(sessionsMax) must be >= 0")
        precondition(entryBytesMax > 0, "entryBytesMax \(entryBytesMax) must be > 0")
        precondition(pendingBytesMax >= entryBytesMax, "pendingBytesMax \(pendingBytesMax) must be >= entryBytesMax \(entryBytesMax)")
        precondition(batchEntriesMax > 0, "batchEntriesMax \(batchEntriesMax) must be > 0")
        precondition(batchBytesMax > 0, "batchBytesMax \(batchBytesMax) must be > 0")
        // Checks further apart than SessionDeadlines.defaultStallMs would all count as stalls.
        precondition(expiryTickMs > 0 && expiryTickMs <= 1_000, "expiryTickMs \(expiryTickMs) must be 1...1000")
        self.snapshotIntervalEntries = snapshotIntervalEntries
        self.snapshotLogTailEntries = snapshotLogTailEntries
        self.pendingProposalsMax = pendingProposalsMax
        self.sessionsMax = sessionsMax
        self.entryBytesMax = entryBytesMax
        self.pendingBytesMax = pendingBytesMax
        self.batchEntriesMax = batchEntriesMax
        self.batchBytesMax = batchBytesMax
        self.expiryTickMs = expiryTickMs
        self.treeLimits = treeLimits
    }

    /// Options that follow the member's `Limits` (pending proposals, sessions, an entry
    /// bound of twice the largest request body, a pending-bytes bound of at least two such
    /// entries) with the given snapshot cadence. The tree
    /// keeps its default limits: the configurable path limit is enforced by the HTTP layer.
    public init(limits: Limits, snapshotIntervalEntries: Int = 10_000, snapshotLogTailEntries: Int = 1_000) {
        let entryBytesMax = max(8 * 1_048_576, 2 * limits.requestBodyBytesMax)
        self.init(
            snapshotIntervalEntries: snapshotIntervalEntries,
            snapshotLogTailEntries: snapshotLogTailEntries,
            pendingProposalsMax: limits.pendingProposalsMax,
            sessionsMax: limits.sessionsMax,
            entryBytesMax: entryBytesMax,
            pendingBytesMax: max(256 * 1_048_576, 2 * entryBytesMax)
        )
    }
}
