import HashTreeCollections

/// The remembered results of writes that carried an idempotency key, oldest first.
///
/// A persistent FIFO: records are numbered in insertion (zxid) order and kept in a hash
/// trie by number, so copying the table is O(1) and insert, lookup and evicting the
/// oldest are O(log n).
///
/// Invariants: the records numbered `head..<tail` all exist and no others do; each key maps
/// to exactly one of them; `newestTimeMs` is the largest entry time seen.
struct IdempotencyTable: Sendable {
    /// One remembered result.
    struct Record: Equatable, Sendable {
        /// The key the client sent.
        var key: String
        /// The entry that first carried the key.
        var zxid: Zxid
        /// That entry's time.
        var timeMs: Int64
        /// That entry's result, returned again to every retry.
        var result: ApplyResult
    }

    /// Record number by key.
    private var numberByKey: TreeDictionary<ByteString, UInt64> = [:]
    /// Records by number.
    private var recordByNumber: TreeDictionary<UInt64, Record> = [:]
    /// The number of the oldest record.
    private(set) var head: UInt64 = 0
    /// The number the next record gets.
    private(set) var tail: UInt64 = 0
    /// The largest entry time seen; retention is measured back from it.
    private(set) var newestTimeMs: Int64 = .min

    /// An empty table.
    init() {}

    /// The number of records.
    var count: Int { Int(tail - head) }

    /// The record for `key`, if remembered.
    func record(forKey key: String) -> Record? {
        guard let number = numberByKey[ByteString(string: key)] else { return nil }
        return recordByNumber[number]
    }

    /// All records, oldest first.
    var records: [Record] {
        (head..<tail).map { number in
            guard let record = recordByNumber[number] else {
                preconditionFailure("idempotency record \(number) missing in \(head)..<\(tail)")
            }
            return record
        }
    }

    /// Notes an entry's time and forgets what falls out of `limits`.
    mutating func observe(timeMs: Int64, limits: ZNodeTree.Limits) {
        newestTimeMs = max(newestTimeMs, timeMs)
        evict(limits: limits)
    }

    /// Remembers `record`; precondition: its key is not remembered yet.
    mutating func insert(_ record: Record, limits: ZNodeTree.Limits) {
        let key = ByteString(string: record.key)
        precondition(numberByKey[key] == nil, "idempotency key \(record.key.debugDescription) stored twice")
        numberByKey[key] = tail
        recordByNumber[tail] = record
        tail += 1
        newestTimeMs = max(newestTimeMs, record.timeMs)
        evict(limits: limits)
    }

    /// Forgets the oldest records while there are more than `idempotencyKeysMax`, or while
    /// the oldest is older than `idempotencyRetentionMs` before `newestTimeMs`.
    ///
    /// Records leave in insertion order only, so a record with an older time behind a newer
    /// one (a leader with a slower clock) waits for the ones ahead of it: deterministic,
    /// and at most one leader change late.
    private mutating func evict(limits: ZNodeTree.Limits) {
        let (cutoff, overflow) = newestTimeMs.subtractingReportingOverflow(limits.idempotencyRetentionMs)
        let oldestKeptMs = overflow ? Int64.min : cutoff
        while head < tail {
            guard let oldest = recordByNumber[head] else {
                preconditionFailure("idempotency record \(head) missing in \(head)..<\(tail)")
            }
            guard count > limits.idempotencyKeysMax || oldest.timeMs < oldestKeptMs else { return }
            recordByNumber[head] = nil
            numberByKey[ByteString(string: oldest.key)] = nil
            head += 1
        }
    }

    /// Rebuilds a table from `records` (oldest first) and the newest time seen.
    init(records: [Record], newestTimeMs: Int64) {
        for record in records {
            let key = ByteString(string: record.key)
            numberByKey[key] = tail
            recordByNumber[tail] = record
            tail += 1
        }
        self.newestTimeMs = newestTimeMs
    }
}
