/// What one entry's application has done so far.
struct ApplyContext {
    /// The entry's zxid, stamped on every change.
    let zxid: Zxid
    /// The entry's time, used for ctime, mtime and TTL checks.
    let timeMs: Int64
    /// The changes made, in order.
    var events: [WatchEvent] = []
    /// Every node removed, in order (including containers removed because they emptied).
    var removed: [ZNodePath] = []
}

extension ZNodeTree {
    /// Applies one committed entry and reports its result and the changes it made.
    ///
    /// Domain failures are values (`.failed`), and a failed entry changes nothing but
    /// `lastApplied` (and the idempotency table when it carries a key: a retry gets the
    /// same failure). When the entry's idempotency key is already remembered, nothing is
    /// applied and the first result is returned again with no events, whatever the
    /// command of the retry is: the key, not the command, identifies the write.
    ///
    /// Idempotency keys are remembered while their entry time is within
    /// `limits.idempotencyRetentionMs` of the newest entry time seen, and at most
    /// `limits.idempotencyKeysMax` of them; the oldest (by zxid) are forgotten first.
    ///
    /// Watch events come in the order the changes were made, all stamped with the entry's
    /// zxid: `created`/`changed`/`deleted` for a node, then `childrenChanged` (with the
    /// parent's new stat) for its parent.
    ///
    /// Precondition: `entry.zxid > lastApplied` (entries are applied once, in log order).
    public mutating func apply(_ entry: Entry) -> ApplyOutput {
        precondition(entry.zxid > lastApplied, "entry \(entry.zxid) applied after \(lastApplied)")
        lastApplied = entry.zxid
        idempotency.observe(timeMs: entry.timeMs, limits: limits)
        if let key = entry.idempotencyKey, let record = idempotency.record(forKey: key) {
            return ApplyOutput(result: record.result, events: [])
        }
        var context = ApplyContext(zxid: entry.zxid, timeMs: entry.timeMs)
        let result = execute(entry.command, &context)
        if let key = entry.idempotencyKey {
            idempotency.insert(
                .init(key: key, zxid: entry.zxid, timeMs: entry.timeMs, result: result), limits: limits)
        }
        if case .failed = result {
            precondition(context.events.isEmpty, "failed entry \(entry.zxid) produced events")
        }
        return ApplyOutput(result: result, events: context.events)
    }

    /// Runs `command`; on failure nothing has changed and no event was recorded.
    private mutating func execute(_ command: Command, _ context: inout ApplyContext) -> ApplyResult {
        switch command {
        case .create(let op):
            switch create(op, &context) {
            case .success(let created): return .created(path: created.path, stat: created.stat)
            case .failure(let error): return .failed(error)
            }
        case .setData(let op):
            switch setData(op, &context) {
            case .success(let stat): return .setData(stat)
            case .failure(let error): return .failed(error)
            }
        case .delete(let op):
            switch delete(op, &context) {
            case .success: return .deleted(paths: context.removed)
            case .failure(let error): return .failed(error)
            }
        case .multi(let ops):
            return multi(ops, &context)
        case .openSession(let id, let ttlMs):
            return openSession(id, ttlMs: ttlMs)
        case .closeSession(let id):
            return closeSession(id, &context)
        case .expireSessions(let ids):
            return expireSessions(ids, &context)
        case .expireTTLNodes(let paths):
            return expireTTLNodes(paths, &context)
        case .noop:
            return .noop
        }
    }

    /// Applies `ops` in order on a working copy and keeps it only if all succeed.
    ///
    /// The first failure is returned with its `opIndex`; the tree and the events are then
    /// exactly as before the multi (the copy is dropped; copying is O(1)).
    private mutating func multi(_ ops: [Op], _ context: inout ApplyContext) -> ApplyResult {
        var work = self
        var workContext = context
        var results: [OpResult] = []
        results.reserveCapacity(ops.count)
        for (index, op) in ops.enumerated() {
            let outcome: Result<OpResult, ZNodeError>
            switch op {
            case .create(let create):
                outcome = work.create(create, &workContext).map { .created(path: $0.path, stat: $0.stat) }
            case .setData(let set):
                outcome = work.setData(set, &workContext).map { .setData($0) }
            case .delete(let delete):
                outcome = work.delete(delete, &workContext).map { .deleted(path: delete.path) }
            case .check(let check):
                outcome = work.check(check).map { .checked }
            case .fence(let fence):
                outcome = work.fence(fence).map { .checked }
            }
            switch outcome {
            case .success(let result):
                results.append(result)
            case .failure(var error):
                error.opIndex = index
                return .failed(error)
            }
        }
        self = work
        context = workContext
        return .multi(results)
    }
}
