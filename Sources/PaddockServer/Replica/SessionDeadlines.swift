import ZNodeTree

/// The in-memory deadlines of the sessions a member leads, kept outside the log.
///
/// Deadlines are not replicated: keepalives are frequent and must not cost a log entry.
/// The member that decides expiry proposes `expireSessions` through the log, so every
/// replica removes the session and its ephemerals at the same zxid. After a restart (and,
/// later, on a new leader) each recovered session gets a fresh full TTL, as ZooKeeper does:
/// a session never expires earlier than its TTL after the last keepalive anyone saw.
///
/// Times are monotonic milliseconds. Pure value: the replica guards it with its lock.
struct SessionDeadlines {
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

    /// Sessions open or on their way to it or out of it.
    var count: Int { sessions.count }

    /// Whether the session is known in any phase.
    func contains(_ id: SessionID) -> Bool {
        sessions[id] != nil
    }

    /// Records an `openSession` about to be proposed; false when the id is already known.
    mutating func beginOpen(_ id: SessionID, ttlMs: Int64, nowMs: Int64) -> Bool {
        guard sessions[id] == nil else { return false }
        sessions[id] = Tracked(ttlMs: ttlMs, deadlineMs: nowMs + ttlMs, phase: .opening)
        return true
    }

    /// The `openSession` was applied: the session's first full TTL starts now.
    mutating func opened(_ id: SessionID, ttlMs: Int64, nowMs: Int64) {
        sessions[id] = Tracked(ttlMs: ttlMs, deadlineMs: nowMs + ttlMs, phase: .open)
    }

    /// Forgets a session (closed, expired, or its open failed).
    mutating func remove(_ id: SessionID) {
        sessions[id] = nil
    }

    /// Marks a session whose close or expiry is being proposed; keepalives now fail.
    mutating func beginEnd(_ id: SessionID) {
        sessions[id]?.phase = .ending
    }

    /// Extends an open session to a full TTL from now; nil when unknown or ending.
    mutating func keepAlive(_ id: SessionID, nowMs: Int64) -> Int64? {
        guard var tracked = sessions[id], tracked.phase != .ending else { return nil }
        tracked.deadlineMs = nowMs + tracked.ttlMs
        sessions[id] = tracked
        return tracked.ttlMs
    }

    /// Sessions whose deadline passed, sorted by id, now marked `ending`.
    ///
    /// Sessions still `opening` are skipped: their TTL has not started.
    mutating func takeExpired(nowMs: Int64) -> [SessionID] {
        var expired: [SessionID] = []
        for (id, tracked) in sessions where tracked.phase == .open && tracked.deadlineMs <= nowMs {
            expired.append(id)
        }
        expired.sort()
        for id in expired { sessions[id]?.phase = .ending }
        return expired
    }

    /// Adopts the sessions found in a recovered tree, each with a fresh full TTL.
    mutating func adoptRecovered(_ recovered: [SessionInfo], nowMs: Int64) {
        for info in recovered {
            sessions[info.id] = Tracked(ttlMs: info.ttlMs, deadlineMs: nowMs + info.ttlMs, phase: .open)
        }
    }
}
