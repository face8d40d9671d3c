import RaftCore
import Testing

@testable import PaddockStorage

@Suite struct LogStoreTests {
    @Test func appendAndReadBack() throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory)
            defer { store.close() }
            #expect(store.firstIndex == LogIndex(1))
            #expect(store.lastIndex == LogIndex(0))
            let written = makeEntries(1...64, term: 1) + makeEntries(65...70, term: 2, kind: .configChange)
            try store.save(hardState: nil, entries: written)
            #expect(try store.entries(from: LogIndex(1), through: LogIndex(70)) == written)
            #expect(try store.entries(from: LogIndex(10), through: LogIndex(12)) == Array(written[9...11]))
            #expect(store.firstIndex == LogIndex(1))
            #expect(store.lastIndex == LogIndex(70))
            #expect(try store.term(at: LogIndex(64)) == Term(1))
            #expect(try store.term(at: LogIndex(65)) == Term(2))
            #expect(try store.term(at: LogIndex(0)) == Term.zero)
            #expect(try store.term(at: LogIndex(71)) == nil)
            #expect(try store.storedEntryCount() == 70)
        }
    }

    @Test func emptyPayloadRoundTrips() throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory)
            defer { store.close() }
            let noOp = LogEntry(term: Term(3), index: LogIndex(1), data: [])
            try store.save(hardState: nil, entries: [noOp])
            #expect(try store.entries(from: LogIndex(1), through: LogIndex(1)) == [noOp])
        }
    }

    @Test func conflictingSuffixIsReplaced() throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory)
            defer { store.close() }
            try store.save(hardState: nil, entries: makeEntries(1...10, term: 1))
            let replacement = makeEntries(6...8, term: 2)
            try store.save(hardState: nil, entries: replacement)
            #expect(store.lastIndex == LogIndex(8))
            #expect(try store.storedEntryCount() == 8)
            let all = try store.entries(from: LogIndex(1), through: LogIndex(8))
            #expect(all == makeEntries(1...5, term: 1) + replacement)
            #expect(try store.term(at: LogIndex(9)) == nil)
        }
    }

    @Test func hardStateRoundTripsAcrossReopen() throws {
        try withTemporaryDirectory { directory in
            let state = HardState(term: Term(7), vote: NodeID(3), commit: LogIndex(4))
            do {
                let store = try LogStore(directory: directory)
                #expect(try store.recover().hardState == HardState())
                try store.save(hardState: state, entries: makeEntries(1...5, term: 7))
                store.close()
            }
            let reopened = try LogStore(directory: directory)
            defer { reopened.close() }
            let recovered = try reopened.recover()
            #expect(recovered.hardState == state)
            #expect(recovered.snapshot == nil)
            #expect(recovered.entries == makeEntries(1...5, term: 7))
            try reopened.save(hardState: HardState(term: Term(8), vote: nil, commit: LogIndex(5)), entries: [])
            #expect(try reopened.recover().hardState == HardState(term: Term(8), vote: nil, commit: LogIndex(5)))
        }
    }

    @Test func misuseIsRejectedWithoutWriting() throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory)
            defer { store.close() }
            try store.save(hardState: nil, entries: makeEntries(1...3, term: 1))
            let gap = #expect(throws: StorageError.self) {
                try store.save(hardState: nil, entries: makeEntries(5...6, term: 1))
            }
            #expect(gap?.code == .misuse)
            var holes = makeEntries(4...6, term: 1)
            holes.remove(at: 1)
            let notContiguous = #expect(throws: StorageError.self) {
                try store.save(hardState: nil, entries: holes)
            }
            #expect(notContiguous?.code == .misuse)
            let outside = #expect(throws: StorageError.self) {
                try store.entries(from: LogIndex(2), through: LogIndex(4))
            }
            #expect(outside?.code == .misuse)
            #expect(try store.storedEntryCount() == 3)
        }
    }

    @Test func failedSaveRollsBackEverything() throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory)
            defer { store.close() }
            let before = HardState(term: Term(1), vote: NodeID(1), commit: LogIndex(2))
            try store.save(hardState: before, entries: makeEntries(1...2, term: 1))
            try store.execute("""
                CREATE TRIGGER injected_failure BEFORE INSERT ON log WHEN NEW.idx = 5
                BEGIN SELECT RAISE(ABORT, 'injected failure'); END
                """)
            let failure = #expect(throws: StorageError.self) {
                try store.save(hardState: HardState(term: Term(2), commit: LogIndex(2)), entries: makeEntries(3...6, term: 2))
            }
            #expect(failure?.code == .sqlite)
            #expect(failure?.cause?.contains("injected failure") == true)
            #expect(store.lastIndex == LogIndex(2))
            #expect(try store.storedEntryCount() == 2)
            #expect(try store.recover().hardState == before)
            try store.execute("DROP TRIGGER injected_failure")
            try store.save(hardState: nil, entries: makeEntries(3...6, term: 2))
            #expect(try store.recover().entries == makeEntries(1...2, term: 1) + makeEntries(3...6, term: 2))
        }
    }

    @Test func compactionMovesFirstIndex() throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory)
            defer { store.close() }
            try store.save(hardState: nil, entries: makeEntries(1...100, term: 1))
            let early = #expect(throws: StorageError.self) { try store.compact(through: LogIndex(10)) }
            #expect(early?.code == .misuse)
            try store.saveSnapshot(SnapshotRecord(index: LogIndex(50), term: Term(1), configuration: [1], data: [2]))
            try store.compact(through: LogIndex(40))
            #expect(store.firstIndex == LogIndex(41))
            #expect(store.lastIndex == LogIndex(100))
            #expect(try store.storedEntryCount() == 60)
            #expect(try store.term(at: LogIndex(40)) == nil)
            #expect(try store.term(at: LogIndex(50)) == Term(1))
            #expect(try store.entries(from: LogIndex(41), through: LogIndex(42)) == makeEntries(41...42, term: 1))
            let beyond = #expect(throws: StorageError.self) { try store.compact(through: LogIndex(60)) }
            #expect(beyond?.code == .misuse)
            try store.compact(through: LogIndex(50))
            #expect(store.firstIndex == LogIndex(51))
            let recovered = try store.recover()
            #expect(recovered.snapshot?.index == LogIndex(50))
            #expect(recovered.entries == makeEntries(51...100, term: 1))
        }
    }

    @Test func closedStoreRefusesWork() throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory)
            store.close()
            let error = #expect(throws: StorageError.self) {
                try store.save(hardState: nil, entries: makeEntries(1...1, term: 1))
            }
            #expect(error?.code == .misuse)
        }
    }

    @Test func createsMissingParentDirectories() throws {
        try withTemporaryDirectory { directory in
            let nested = directory + "/a/b/c"
            let store = try LogStore(directory: nested)
            defer { store.close() }
            try store.save(hardState: nil, entries: makeEntries(1...1, term: 1))
            #expect(FileSystem.isDirectory(nested))
        }
    }

    @Test func fsyncProbeMeasuresAndCleansUp() throws {
        try withTemporaryDirectory { directory in
            let rate = try LogStore.measureFsyncRate(directory: directory, transactions: 20)
            #expect(rate > 0)
            #expect(rate.isFinite)
            let left = try directoryContents(directory)
            #expect(left.isEmpty)
        }
    }
}

@Suite struct LogStoreLockTests {
    @Test func secondStoreOnTheSameDirectoryIsRefused() throws {
        try withTemporaryDirectory { directory in
            let first = try LogStore(directory: directory)
            try first.save(hardState: nil, entries: makeEntries(1...3, term: 1))
            let error = #expect(throws: StorageError.self) {
                _ = try LogStore(directory: directory, options: .init(busyTimeoutMs: 20))
            }
            #expect(error?.code == .open)
            #expect(error?.message.contains("locked") == true, "\(String(describing: error))")
            first.close()
            let second = try LogStore(directory: directory, options: .init(busyTimeoutMs: 20))
            defer { second.close() }
            #expect(try second.recover().entries == makeEntries(1...3, term: 1))
        }
    }
}

@Suite struct LogStoreReadTests {
    @Test(arguments: [(0, 1), (17, 1), (34, 2), (100, 5), (10_000, 10)])
    func entriesStopAtTheByteBudget(bytesMax: Int, expectedCount: Int) throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory)
            defer { store.close() }
            let written = (1...10 as ClosedRange<UInt64>).map {
                LogEntry(term: Term(1), index: LogIndex($0), data: [UInt8](repeating: UInt8($0), count: 17))
            }
            try store.save(hardState: nil, entries: written)
            let read = try store.entries(from: LogIndex(1), through: LogIndex(10), bytesMax: bytesMax)
            #expect(read == Array(written.prefix(expectedCount)))
        }
    }

    @Test func decreasingTermIsCorruption() throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory)
            defer { store.close() }
            try store.save(hardState: nil, entries: makeEntries(1...3, term: 2))
            // A row from another log: a valid checksum but an older term than its predecessor.
            try store.execute("UPDATE log SET term = 1 WHERE idx = 3")
            let data = Array("entry 3 of term 2".utf8)
            let crc = data.withUnsafeBufferPointer { Checksum.entry(index: LogIndex(3), term: Term(1), kind: 0, data: $0) }
            try store.execute("UPDATE log SET crc = \(crc) WHERE idx = 3")
            #expect(try store.entries(from: LogIndex(3), through: LogIndex(3)).first?.term == Term(1))
            let error = #expect(throws: StorageError.self) { try store.recover() }
            #expect(error?.code == .corrupt)
            #expect(error?.message.contains("log entry 3") == true, "\(String(describing: error))")
        }
    }

    @Test func voteForNodeZeroIsRefusedNotDropped() throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory)
            defer { store.close() }
            let error = #expect(throws: StorageError.self) {
                try store.save(hardState: HardState(term: Term(3), vote: NodeID(0), commit: .zero), entries: [])
            }
            #expect(error?.code == .misuse)
            #expect(try store.recover().hardState == HardState())
        }
    }

    /// Indexes near 2^64 are a caller's mistake: `.misuse`, not an overflow trap while the
    /// batch is checked for contiguity.
    @Test func indexesBeyondWhatSQLiteStoresAreMisuse() throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory)
            defer { store.close() }
            let wrapping = [LogEntry(term: Term(1), index: LogIndex(.max), data: []), LogEntry(term: Term(1), index: .zero, data: [])]
            let error = #expect(throws: StorageError.self) { try store.save(hardState: nil, entries: wrapping) }
            #expect(error?.code == .misuse)
            #expect(store.lastIndex == .zero)
        }
    }
}
