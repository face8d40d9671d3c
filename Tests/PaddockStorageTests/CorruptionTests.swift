import RaftCore
import Testing

@testable import PaddockStorage

@Suite struct CorruptionTests {
    /// SQL that damages the snapshot at index 20 in three different ways.
    static let snapshotDamage = [
        "UPDATE snapshots SET data = substr(data, 1, 8) || X'DEADBEEF' || substr(data, 13) WHERE idx = 20",
        "UPDATE snapshots SET configuration = X'FF' WHERE idx = 20",
        "UPDATE snapshots SET data_bytes = data_bytes + 1 WHERE idx = 20",
    ]

    /// A store with entries 1...30 and snapshots at 10 and 20, compacted through `compactedThrough`.
    private func prepareSnapshots(_ directory: String, compactedThrough: UInt64) throws {
        let store = try LogStore(directory: directory)
        defer { store.close() }
        try store.save(hardState: HardState(term: Term(1), commit: LogIndex(30)), entries: makeEntries(1...30, term: 1))
        for index in [10, 20] as [UInt64] {
            try store.saveSnapshot(SnapshotRecord(
                index: LogIndex(index), term: Term(1), configuration: [1, 2, 3], data: jsonLikeBytes(lineCount: Int(index) * 10)))
        }
        try store.compact(through: LogIndex(compactedThrough))
    }

    @Test(arguments: snapshotDamage)
    func damagedSnapshotFallsBackWhenTheLogCoversIt(damage: String) throws {
        try withTemporaryDirectory { directory in
            try prepareSnapshots(directory, compactedThrough: 10)
            let store = try LogStore(directory: directory)
            defer { store.close() }
            try store.execute(damage)
            let recovered = try store.recover()
            #expect(recovered.snapshot?.index == LogIndex(10))
            #expect(recovered.snapshot?.data == jsonLikeBytes(lineCount: 100))
            #expect(recovered.entries == makeEntries(11...30, term: 1))
            #expect(store.firstIndex == LogIndex(11))
            #expect(try store.latestSnapshot()?.index == LogIndex(10))
        }
    }

    @Test(arguments: snapshotDamage)
    func damagedSnapshotAfterCompactionRefusesToStart(damage: String) throws {
        try withTemporaryDirectory { directory in
            try prepareSnapshots(directory, compactedThrough: 20)
            let store = try LogStore(directory: directory)
            defer { store.close() }
            try store.execute(damage)
            let error = #expect(throws: StorageError.self) { try store.recover() }
            #expect(error?.code == .corrupt)
            #expect(error?.message.contains(
                "snapshot at 20 is corrupt and the log was compacted through 20: refusing to start with lost data") == true)
        }
    }

    @Test(arguments: [
        ("UPDATE log SET data = X'00' WHERE idx = 5", "log entry 5 "),
        ("UPDATE log SET term = 9 WHERE idx = 7", "log entry 7 "),
        ("UPDATE log SET kind = 7, crc = 0 WHERE idx = 3", "log entry 3 "),
        ("DELETE FROM log WHERE idx = 6", "missing entry 6 "),
    ])
    func damagedLogRowIsNamed(damage: String, expected: String) throws {
        try withTemporaryDirectory { directory in
            do {
                let store = try LogStore(directory: directory)
                try store.save(hardState: nil, entries: makeEntries(1...10, term: 1))
                try store.execute(damage)
                let read = #expect(throws: StorageError.self) {
                    try store.entries(from: LogIndex(1), through: LogIndex(10))
                }
                #expect(read?.code == .corrupt)
                #expect(read?.message.contains(expected) == true, "\(String(describing: read))")
                store.close()
            }
            let reopened = try LogStore(directory: directory)
            defer { reopened.close() }
            let recovery = #expect(throws: StorageError.self) { try reopened.recover() }
            #expect(recovery?.code == .corrupt)
            #expect(recovery?.message.contains(expected) == true, "\(String(describing: recovery))")
        }
    }

    @Test func damagedHardStateIsRefused() throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory)
            defer { store.close() }
            try store.save(hardState: HardState(term: Term(2), vote: NodeID(1), commit: LogIndex(1)), entries: makeEntries(1...2, term: 2))
            try store.execute("UPDATE hard_state SET vote = 2")
            let error = #expect(throws: StorageError.self) { try store.recover() }
            #expect(error?.code == .corrupt)
            #expect(error?.message.contains("hard state") == true)
        }
    }

    @Test func garbageFileIsRefusedNamingTheFile() throws {
        try withTemporaryDirectory { directory in
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            let garbage = (0..<16_384).map { _ -> UInt8 in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 33)
            }
            try overwriteFile(databasePath(directory), with: garbage)
            let error = #expect(throws: StorageError.self) { _ = try LogStore(directory: directory) }
            #expect(error?.code == .corrupt)
            #expect(error?.message.contains(databasePath(directory)) == true, "\(String(describing: error))")
        }
    }

    /// Ways to damage a closed database file of about 80 pages.
    enum FileDamage: CaseIterable, Sendable {
        case truncatedToHalf
        case truncatedToOnePage
        case truncatedInsideTheHeader
        case pagesOverwritten
    }

    @Test(arguments: FileDamage.allCases)
    func damagedFileIsRefusedNamingTheFile(damage: FileDamage) throws {
        try withTemporaryDirectory { directory in
            do {
                let store = try LogStore(directory: directory)
                let payload = [UInt8](repeating: 0x41, count: 1_000)
                let entries = (1...300 as ClosedRange<UInt64>).map { LogEntry(term: Term(1), index: LogIndex($0), data: payload) }
                try store.save(hardState: HardState(term: Term(1), commit: LogIndex(300)), entries: entries)
                store.close()
            }
            let path = databasePath(directory)
            let size = try fileSize(path)
            #expect(size > 40 * 4_096)
            switch damage {
            case .truncatedToHalf:
                try truncateFile(path, to: size / 2)
            case .truncatedToOnePage:
                try truncateFile(path, to: 4_096)
            case .truncatedInsideTheHeader:
                try truncateFile(path, to: 50)
            case .pagesOverwritten:
                let original = try readFile(path)
                var damaged = original
                for offset in (8 * 4_096)..<(12 * 4_096) {
                    damaged[offset] = UInt8(truncatingIfNeeded: offset &* 31)
                }
                try overwriteFile(path, with: damaged)
            }
            let error = #expect(throws: StorageError.self) {
                let store = try LogStore(directory: directory)
                defer { store.close() }
                _ = try store.recover()
            }
            #expect(error?.code == .corrupt, "\(String(describing: error))")
            #expect(error?.message.contains(path) == true, "\(String(describing: error))")
        }
    }

    @Test func swappedLogRowsAreCorruption() throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory)
            defer { store.close() }
            try store.save(hardState: nil, entries: makeEntries(1...6, term: 1))
            // Two rows of the same term trade places: each row's own fields still agree.
            try store.execute("UPDATE log SET idx = -4 WHERE idx = 4")
            try store.execute("UPDATE log SET idx = 4 WHERE idx = 5")
            try store.execute("UPDATE log SET idx = 5 WHERE idx = -4")
            let read = #expect(throws: StorageError.self) { try store.entries(from: LogIndex(1), through: LogIndex(6)) }
            #expect(read?.code == .corrupt)
            #expect(read?.message.contains("log entry 4 ") == true, "\(String(describing: read))")
            let recovery = #expect(throws: StorageError.self) { try store.recover() }
            #expect(recovery?.code == .corrupt)
        }
    }

    /// A negative index reads back near 2^64, where `LogIndex.next` overflows; it must be
    /// refused at open, not trap later (a snapshot row with only its index damaged used to
    /// crash `recover()` while it built its error message).
    @Test(arguments: [
        "UPDATE snapshots SET idx = -1",
        "INSERT INTO log (idx, term, kind, data, crc) VALUES (-7, 1, 0, X'00', 0)",
    ])
    func negativeIndexIsRefusedAtOpen(damage: String) throws {
        try withTemporaryDirectory { directory in
            do {
                let store = try LogStore(directory: directory)
                try store.save(hardState: nil, entries: makeEntries(1...12, term: 1))
                try store.saveSnapshot(SnapshotRecord(index: LogIndex(12), term: Term(1), configuration: [], data: [1]))
                try store.compact(through: LogIndex(12))
                try store.execute(damage)
                store.close()
            }
            let error = #expect(throws: StorageError.self) {
                let store = try LogStore(directory: directory)
                defer { store.close() }
                _ = try store.recover()
            }
            #expect(error?.code == .corrupt)
            #expect(error?.message.contains("impossible index -") == true, "\(String(describing: error))")
        }
    }
}
