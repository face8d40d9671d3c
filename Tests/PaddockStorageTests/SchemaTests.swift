import RaftCore
import Testing

@testable import PaddockStorage

@Suite struct SchemaTests {
    @Test func foreignDatabaseIsRefused() throws {
        try withTemporaryDirectory { directory in
            do {
                let foreign = try SQLiteConnection(path: databasePath(directory))
                try foreign.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT)")
                foreign.close()
            }
            let error = #expect(throws: StorageError.self) { _ = try LogStore(directory: directory) }
            #expect(error?.code == .schema)
            #expect(error?.message.contains("not a Paddock database") == true, "\(String(describing: error))")
        }
    }

    @Test func newerSchemaVersionIsRefused() throws {
        try withTemporaryDirectory { directory in
            do {
                let store = try LogStore(directory: directory)
                try store.execute("PRAGMA user_version = \(Schema.version + 1)")
                store.close()
            }
            let error = #expect(throws: StorageError.self) { _ = try LogStore(directory: directory) }
            #expect(error?.code == .schema)
            #expect(error?.message.contains("schema version \(Schema.version + 1)") == true, "\(String(describing: error))")
        }
    }

    @Test func reopeningKeepsTheSchema() throws {
        try withTemporaryDirectory { directory in
            for round in 1...3 as ClosedRange<UInt64> {
                let store = try LogStore(directory: directory)
                try store.save(hardState: nil, entries: makeEntries(round...round, term: 1))
                #expect(try store.queryInteger("PRAGMA user_version") == Int64(Schema.version))
                #expect(try store.queryInteger("PRAGMA application_id") == Int64(Schema.applicationID))
                #expect(try store.queryInteger("PRAGMA synchronous") == 2)
                store.close()
            }
            let store = try LogStore(directory: directory)
            defer { store.close() }
            #expect(try store.recover().entries == makeEntries(1...3, term: 1))
        }
    }

    @Test func invalidOptionsAreRejected() throws {
        try withTemporaryDirectory { directory in
            let error = #expect(throws: StorageError.self) {
                _ = try LogStore(directory: directory, options: .init(snapshotsKept: 0))
            }
            #expect(error?.code == .misuse)
            let level = #expect(throws: StorageError.self) {
                _ = try LogStore(directory: directory, options: .init(snapshotCompressionLevel: 10))
            }
            #expect(level?.code == .misuse)
        }
    }

    @Test func directoryThatIsAFileIsRefused() throws {
        try withTemporaryDirectory { directory in
            try overwriteFile(directory + "/plain-file", with: [1, 2, 3])
            let error = #expect(throws: StorageError.self) {
                _ = try LogStore(directory: directory + "/plain-file/data")
            }
            #expect(error?.code == .open)
            #expect(error?.message.contains("plain-file") == true, "\(String(describing: error))")
        }
    }
}
