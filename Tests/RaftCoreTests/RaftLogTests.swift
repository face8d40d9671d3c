import Testing
@testable import RaftCore

/// The log's own rules: appends that cut a conflicting suffix, hints, batches, snapshots.
@Suite struct RaftLogTests {
    /// A log holding entries 1... with the given terms, all durable, none committed.
    static func log(_ terms: [UInt64], committed: UInt64 = 0) -> RaftLog {
        let entries = terms.enumerated().map { LogEntry(term: Term($1), index: LogIndex(UInt64($0 + 1)), data: [UInt8($0)]) }
        return RaftLog(snapshot: nil, entries: entries, committed: LogIndex(committed))
    }

    static func snapshot(index: UInt64, term: UInt64) -> Snapshot {
        Snapshot(metadata: SnapshotMetadata(index: LogIndex(index), term: Term(term), membership: Membership(voters: [NodeID(1)])), data: [9])
    }

    static func terms(_ log: RaftLog) -> [UInt64] { log.entries.map(\.term.rawValue) }

    @Test func appendCutsOnlyAConflictingSuffix() {
        var log = Self.log([1, 1, 2, 2])
        let same = [LogEntry(term: Term(1), index: LogIndex(2), data: [1]), LogEntry(term: Term(2), index: LogIndex(3), data: [2])]
        #expect(log.maybeAppend(prevIndex: LogIndex(1), prevTerm: Term(1), entries: same) == LogIndex(3))
        #expect(Self.terms(log) == [1, 1, 2, 2], "matching entries never truncate (a stale append is harmless)")
        #expect(log.stableIndex == LogIndex(4))
        let conflicting = [LogEntry(term: Term(3), index: LogIndex(3), data: [])]
        #expect(log.maybeAppend(prevIndex: LogIndex(2), prevTerm: Term(1), entries: conflicting) == LogIndex(3))
        #expect(Self.terms(log) == [1, 1, 3])
        #expect(log.stableIndex == LogIndex(2), "the replaced suffix is no longer durable")
        #expect(log.unstableEntries.map(\.index) == [LogIndex(3)])
        #expect(log.maybeAppend(prevIndex: LogIndex(3), prevTerm: Term(2), entries: []) == nil)
    }

    @Test(arguments: [
        // (index, term) asked -> hint expected, against terms [1, 1, 2, 2, 4].
        (UInt64(5), UInt64(3), UInt64(4), UInt64(2)),
        (UInt64(9), UInt64(4), UInt64(5), UInt64(4)),
        (UInt64(3), UInt64(1), UInt64(2), UInt64(1)),
        (UInt64(5), UInt64(0), UInt64(0), UInt64(0)),
    ])
    func conflictHintFindsLastEntryOfAtMostTheTerm(index: UInt64, term: UInt64, hintIndex: UInt64, hintTerm: UInt64) {
        let log = Self.log([1, 1, 2, 2, 4])
        let hint = log.conflictHint(index: LogIndex(index), term: Term(term))
        #expect(hint == EntryPosition(term: Term(hintTerm), index: LogIndex(hintIndex)))
    }

    @Test func batchesStopAtTheByteLimitWithAtLeastOneEntry() {
        var log = Self.log([])
        log.append((1...4).map { LogEntry(term: Term(1), index: LogIndex(UInt64($0)), data: Array(repeating: 0, count: 5)) })
        #expect(log.entries(from: LogIndex(1), bytesMax: 12)?.count == 2)
        #expect(log.entries(from: LogIndex(1), bytesMax: 1)?.count == 1)
        #expect(log.entries(from: LogIndex(5), bytesMax: 12)?.isEmpty == true)
    }

    @Test func snapshotKeepsSuffixOnlyWhenTermMatches() {
        var matching = Self.log([1, 1, 2, 2], committed: 1)
        matching.restore(Self.snapshot(index: 3, term: 2))
        #expect(Self.terms(matching) == [2], "entry 4 survives: the entry at 3 matched")
        #expect(matching.firstIndex == LogIndex(4))
        #expect(matching.committed == LogIndex(3))
        #expect(matching.pendingSnapshot?.metadata.index == LogIndex(3))

        var divergent = Self.log([1, 1, 1, 1], committed: 1)
        divergent.restore(Self.snapshot(index: 3, term: 2))
        #expect(divergent.entries.isEmpty, "a different term at the snapshot index discards the whole log")
        #expect(divergent.lastIndex == LogIndex(3))
        #expect(divergent.lastTerm == Term(2))
        #expect(divergent.nextCommittedEntries.isEmpty, "entries the snapshot covers are never applied one by one")
    }

    @Test func compactionKeepsTheTermOfTheLastCompactedEntry() {
        var log = Self.log([1, 2, 3], committed: 3)
        log.applied = LogIndex(2)
        log.compact(through: LogIndex(2))
        #expect(log.term(at: LogIndex(2)) == Term(2))
        #expect(log.term(at: LogIndex(1)) == nil)
        #expect(log.entries(from: LogIndex(2), bytesMax: 100) == nil, "compacted entries must come from a snapshot")
        #expect(log.nextCommittedEntries.map(\.index) == [LogIndex(3)])
    }
}
