import ZNodeTree

/// The in-memory deadlines of the sessions a member leads, kept outside the log.
///
/// Deadlines are not replicated: keepalives are frequent and must not cost a log entry.
/// The member that decides expiry proposes `expireSessions` through the log, so every
/// replica removes the session and its ephemerals at the same zxid. After a restart (and,
/// later, on a new leader) each recovered session gets a fresh full TTL, as ZooKeeper does:
/// a session never expires earlier than its TTL after the last keepalive anyone saw.
///
/// Finding the due sessions must not scan them all: the writer's tick asks every 100 ms,
/// under the lock keepalives take. So, as ZooKeeper's expiry queue does, sessions sit in
/// buckets of `bucketMs` by deadline (rounded down), and the bucket times in a min-heap;
/// a tick visits only the buckets whose time has come. A bucket left empty by keepalives
/// stays in the heap until its time and is then dropped (lazy deletion).
///
/// Time the member itself stood still does not count against sessions: when two expiry
/// checks are more than `stallMs` (2 s) apart (the process or its machine was paused, or
/// starved of CPU), the gap beyond one tick is left off every deadline. Nobody could reach
/// the member meanwhile, so expiring every session the moment it resumes (what ZooKeeper
/// does after a long pause) would punish clients for the member's own stall. Sessions
/// still expire at most about one tick after their TTL of time the member ran.
///
/// Times are monotonic milliseconds. Pure value: the replica guards it with its lock.
struct SessionDeadlines {
    /// The width of a deadline bucket, in ms: the writer's expiry tick.
    static let bucketMs: Int64 = 100
    /// A gap between expiry checks longer than this is a stall of the member, in ms.
    static let defaultStallMs: Int64 = 2_000

    /// Where a session is in its life, as far as this member knows.
    enum Phase: Equatable {
        /// `openSession` is proposed but not applied yet; counts toward the limit.
        case opening
        /// Open; `deadlineMs` is when it expires without a keepalive.
        case open
        /// `closeSession` or `expireSessions` is proposed; keepalives fail from now on.
        case ending
    }

    struct Tracked: Equatable {
        var ttlMs: Int64
        var deadlineMs: Int64
        var phase: Phase
    }

    private(set) var sessions: [SessionID: Tracked] = [:]
    /// The sessions (any phase) whose deadline falls in each bucket, by bucket start.
    private var buckets: [Int64: Set<SessionID>] = [:]
    /// Bucket starts, earliest first; may hold starts of buckets since emptied.
    private var bucketStarts = MinHeap()
    /// Sessions looked at by `takeExpired` so far (tests check it stays small).
    private(set) var sessionsVisited = 0
    /// A gap between expiry checks longer than this is a stall of the member, in ms.
    let stallMs: Int64
    /// Stalls seen so far, in total ms: deadlines are kept on monotonic time minus this.
    private(set) var stalledMs: Int64 = 0
    /// The monotonic time of the last `takeExpired`.
    private var lastCheckMs: Int64?

    /// Sessions open or on their way to it or out of it.
    var count: Int { sessions.count }

    /// Whether the session is known in any phase.
    func contains(_ id: SessionID) -> Bool {
        sessions[id] != nil
    }

    /// Records an `openSession` about to be proposed; false when the id is already known.
    mutating func beginOpen(_ id: SessionID, ttlMs: Int64, nowMs: Int64) -> Bool {
        guard sessions[id] == nil else { return false }
        track(id, Tracked(ttlMs: ttlMs, deadlineMs: running(nowMs) + ttlMs, phase: .opening))
        return true
    }

    /// The `openSession` was applied: the session's first full TTL starts now.
    mutating func opened(_ id: SessionID, ttlMs: Int64, nowMs: Int64) {
        track(id, Tracked(ttlMs: ttlMs, deadlineMs: running(nowMs) + ttlMs, phase: .open))
    }

    /// Forgets a session (closed, expired, or its open failed).
    mutating func remove(_ id: SessionID) {
        guard let tracked = sessions.removeValue(forKey: id) else { return }
        unbucket(id, deadlineMs: tracked.deadlineMs)
    }

    /// Marks a session whose close or expiry is being proposed; keepalives now fail.
    mutating func beginEnd(_ id: SessionID) {
        sessions[id]?.phase = .ending
    }

    /// Extends an open session to a full TTL from now; nil when unknown or ending.
    mutating func keepAlive(_ id: SessionID, nowMs: Int64) -> Int64? {
        guard var tracked = sessions[id], tracked.phase != .ending else { return nil }
        tracked.deadlineMs = running(nowMs) + tracked.ttlMs
        track(id, tracked)
        return tracked.ttlMs
    }

    /// Sessions whose deadline passed, sorted by id, now marked `ending`.
    ///
    /// Sessions still `opening` are skipped: their TTL has not started.
    mutating func takeExpired(nowMs monotonicMs: Int64) -> [SessionID] {
        if let last = lastCheckMs, monotonicMs - last > stallMs {
            stalledMs += monotonicMs - last - Self.bucketMs
        }
        lastCheckMs = max(lastCheckMs ?? monotonicMs, monotonicMs)
        let nowMs = running(monotonicMs)
        var expired: [SessionID] = []
        while let start = bucketStarts.min, start <= nowMs {
            bucketStarts.removeMin()
            guard let members = buckets.removeValue(forKey: start) else { continue }
            var later: Set<SessionID> = []
            for id in members {
                sessionsVisited += 1
                guard let tracked = sessions[id] else { continue }
                if tracked.deadlineMs > nowMs {
                    // Only the bucket holding `nowMs` has deadlines still ahead.
                    later.insert(id)
                } else if tracked.phase == .open {
                    expired.append(id)
                }
                // Sessions `opening` get a new deadline when opened; `ending` ones are done.
            }
            if !later.isEmpty {
                buckets[start] = later
                bucketStarts.insert(start)
                break
            }
        }
        expired.sort()
        for id in expired { sessions[id]?.phase = .ending }
        return expired
    }

    /// Adopts the sessions found in a recovered tree, each with a fresh full TTL.
    mutating func adoptRecovered(_ recovered: [SessionInfo], nowMs: Int64) {
        for info in recovered {
            track(info.id, Tracked(ttlMs: info.ttlMs, deadlineMs: running(nowMs) + info.ttlMs, phase: .open))
        }
    }

    /// Tracks an open session with a deadline computed by the caller (a new leader derives
    /// it from the replicated time of the session's last keepalive).
    mutating func adopt(_ id: SessionID, ttlMs: Int64, deadlineMs: Int64) {
        track(id, Tracked(ttlMs: ttlMs, deadlineMs: running(deadlineMs), phase: .open))
    }

    /// `monotonicMs` on the clock deadlines are kept on: without the stalls seen so far.
    private func running(_ monotonicMs: Int64) -> Int64 {
        monotonicMs - stalledMs
    }

    /// Forgets every session (a member that stops leading no longer decides expiry).
    mutating func removeAll() {
        self = SessionDeadlines(stallMs: stallMs)
    }

    /// Empty; `stallMs` is the gap between expiry checks taken as a stall of the member.
    init(stallMs: Int64 = SessionDeadlines.defaultStallMs) {
        self.stallMs = stallMs
    }

    /// Records `tracked` for `id`, moving it to the bucket of its deadline.
    private mutating func track(_ id: SessionID, _ tracked: Tracked) {
        let previous = sessions.updateValue(tracked, forKey: id)
        let start = Self.bucketStart(tracked.deadlineMs)
        if let previous {
            // A session a tick dropped (due while opening) is in no bucket any more.
            if Self.bucketStart(previous.deadlineMs) == start, buckets[start]?.contains(id) == true { return }
            unbucket(id, deadlineMs: previous.deadlineMs)
        }
        if buckets[start, default: []].insert(id).inserted, buckets[start]?.count == 1 {
            bucketStarts.insert(start)
        }
    }

    /// Takes `id` out of the bucket of `deadlineMs`; an emptied bucket is dropped (its
    /// start stays in the heap until its time).
    private mutating func unbucket(_ id: SessionID, deadlineMs: Int64) {
        let start = Self.bucketStart(deadlineMs)
        guard var members = buckets[start] else { return }
        members.remove(id)
        buckets[start] = members.isEmpty ? nil : members
    }

    /// The start of the bucket holding `deadlineMs` (rounded down to `bucketMs`).
    private static func bucketStart(_ deadlineMs: Int64) -> Int64 {
        let (quotient, remainder) = deadlineMs.quotientAndRemainder(dividingBy: bucketMs)
        return (remainder < 0 ? quotient - 1 : quotient) * bucketMs
    }
}

/// A binary min-heap of bucket starts.
private struct MinHeap {
    private var items: [Int64] = []

    var min: Int64? { items.first }

    mutating func insert(_ value: Int64) {
        items.append(value)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func removeMin() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            guard smallest != parent else { return }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
