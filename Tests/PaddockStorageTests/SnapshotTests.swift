import RaftCore
import Testing

@testable import PaddockStorage

@Suite struct SnapshotTests {
    @Test func largeSnapshotRoundTripsCompressed() throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory)
            defer { store.close() }
            let data = jsonLikeBytes(lineCount: 20_000)
            #expect(data.count > 1_000_000)
            let snapshot = SnapshotRecord(index: LogIndex(9), term: Term(2), configuration: Array("voters=1,2,3".utf8), data: data)
            try store.save(hardState: nil, entries: makeEntries(1...12, term: 2))
            try store.saveSnapshot(snapshot)
            #expect(try store.latestSnapshot() == snapshot)
            let storedBytes = try #require(try store.queryInteger("SELECT length(data) FROM snapshots WHERE idx = 9"))
            let ratio = Double(data.count) / Double(storedBytes)
            #expect(ratio > 3, "compression ratio \(ratio)")
            // The log reaches the snapshot with the same term, so it is kept.
            #expect(store.firstIndex == LogIndex(1))
            #expect(store.lastIndex == LogIndex(12))
        }
    }

    @Test func preparedSnapshotIsStoredLikeARecordAndRecovered() throws {
        let data = jsonLikeBytes(lineCount: 2_000)
        let snapshot = SnapshotRecord(index: LogIndex(7), term: Term(1), configuration: [9], data: data)
        // Compressed on this thread, as a snapshot thread would, then stored.
        let prepared = try PreparedSnapshot(snapshot, compressionLevel: 6)
        #expect(prepared.dataBytes == data.count)
        #expect(prepared.compressedBytes * 3 < data.count)
        var rows: [Int64?] = []
        for usePrepared in [true, false] {
            try withTemporaryDirectory { directory in
                let store = try LogStore(directory: directory)
                try store.save(hardState: nil, entries: makeEntries(1...10, term: 1))
                if usePrepared {
                    try store.saveSnapshot(prepared)
                } else {
                    try store.saveSnapshot(snapshot)
                }
                rows.append(try store.queryInteger("SELECT crc FROM snapshots WHERE idx = 7"))
                store.close()
                let reopened = try LogStore(directory: directory)
                defer { reopened.close() }
                #expect(try reopened.latestSnapshot() == snapshot)
                #expect(try reopened.recover().snapshot == snapshot)
            }
        }
        #expect(rows.count == 2 && rows[0] != nil && rows[0] == rows[1])
    }

    @Test func preparedSnapshotRefusesAnUnknownLevel() {
        let snapshot = SnapshotRecord(index: LogIndex(1), term: Term(1), configuration: [], data: [1, 2])
        #expect(throws: StorageError.self) { _ = try PreparedSnapshot(snapshot, compressionLevel: 10) }
    }

    @Test(arguments: [0, 1, 9] as [Int32])
    func everyCompressionLevelRoundTrips(level: Int32) throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory, options: .init(snapshotCompressionLevel: level))
            defer { store.close() }
            let snapshot = SnapshotRecord(index: LogIndex(3), term: Term(1), configuration: [4], data: jsonLikeBytes(lineCount: 300))
            try store.saveSnapshot(snapshot)
            #expect(try store.latestSnapshot() == snapshot)
            let storedBytes = try #require(try store.queryInteger("SELECT length(data) FROM snapshots"))
            if level == 0 {
                #expect(Int(storedBytes) > snapshot.data.count)
            } else {
                #expect(Int(storedBytes) * 3 < snapshot.data.count)
            }
        }
    }

    @Test func emptySnapshotDataRoundTrips() throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory)
            defer { store.close() }
            let snapshot = SnapshotRecord(index: LogIndex(1), term: Term(1), configuration: [], data: [])
            try store.saveSnapshot(snapshot)
            #expect(try store.latestSnapshot() == snapshot)
        }
    }

    @Test func onlyTheNewestSnapshotsAreKept() throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory, options: .init(snapshotsKept: 2))
            defer { store.close() }
            try store.save(hardState: nil, entries: makeEntries(1...40, term: 1))
            for index in [10, 20, 30] as [UInt64] {
                try store.saveSnapshot(SnapshotRecord(index: LogIndex(index), term: Term(1), configuration: [], data: Array("state at \(index)".utf8)))
            }
            #expect(try store.queryInteger("SELECT count(*) FROM snapshots") == 2)
            #expect(try store.queryInteger("SELECT min(idx) FROM snapshots") == 20)
            #expect(try store.latestSnapshot()?.data == Array("state at 30".utf8))
            let older = #expect(throws: StorageError.self) {
                try store.saveSnapshot(SnapshotRecord(index: LogIndex(25), term: Term(1), configuration: [], data: []))
            }
            #expect(older?.code == .misuse)
            let unstorable = #expect(throws: StorageError.self) {
                try store.saveSnapshot(SnapshotRecord(index: LogIndex(1 << 63), term: Term(1), configuration: [], data: []))
            }
            #expect(unstorable?.code == .misuse)
            #expect(try store.latestSnapshot()?.index == LogIndex(30))
        }
    }

    @Test func installedSnapshotBeyondTheLogDiscardsIt() throws {
        try withTemporaryDirectory { directory in
            let store = try LogStore(directory: directory)
            defer { store.close() }
            try store.save(hardState: nil, entries: makeEntries(1...10, term: 1))
            try store.saveSnapshot(SnapshotRecord(index: LogIndex(20), term: Term(3), configuration: [], data: [7]))
            #expect(try store.storedEntryCount() == 0)
            #expect(store.firstIndex == LogIndex(21))
            #expect(store.lastIndex == LogIndex(20))
            #expect(try store.term(at: LogIndex(20)) == Term(3))
            try store.save(hardState: nil, entries: makeEntries(21...22, term: 3))
            let recovered = try store.recover()
            #expect(recovered.snapshot?.index == LogIndex(20))
            #expect(recovered.entries == makeEntries(21...22, term: 3))
        }
    }

    @Test func snapshotAndTailSurviveReopen() throws {
        try withTemporaryDirectory { directory in
            let data = jsonLikeBytes(lineCount: 500)
            do {
                let store = try LogStore(directory: directory)
                try store.save(hardState: HardState(term: Term(4), vote: NodeID(2), commit: LogIndex(60)), entries: makeEntries(1...60, term: 4))
                try store.saveSnapshot(SnapshotRecord(index: LogIndex(50), term: Term(4), configuration: [9], data: data))
                try store.compact(through: LogIndex(45))
                store.close()
            }
            let store = try LogStore(directory: directory)
            defer { store.close() }
            let recovered = try store.recover()
            #expect(recovered.hardState == HardState(term: Term(4), vote: NodeID(2), commit: LogIndex(60)))
            #expect(recovered.snapshot == SnapshotRecord(index: LogIndex(50), term: Term(4), configuration: [9], data: data))
            #expect(recovered.entries == makeEntries(51...60, term: 4))
            #expect(store.firstIndex == LogIndex(46))
            #expect(store.lastIndex == LogIndex(60))
        }
    }
}
