import RaftCore
import Testing

@testable import PaddockStorage

/// A database file emptied or removed while its directory stays: SQLite would open it as a
/// new, empty database, so the directory's marker file makes the store refuse it.
@Suite struct LostDataTests {
    /// `removed`: the file is deleted; otherwise it is truncated to zero bytes.
    @Test(arguments: [false, true])
    func lostDatabaseFileIsRefused(removed: Bool) throws {
        try withTemporaryDirectory { directory in
            do {
                let store = try LogStore(directory: directory)
                try store.save(hardState: HardState(term: Term(1), commit: LogIndex(3)), entries: makeEntries(1...3, term: 1))
                store.close()
            }
            let path = databasePath(directory)
            if removed {
                try FileSystem.removeFile(path)
            } else {
                try truncateFile(path, to: 0)
            }
            for _ in 1...2 {  // refused every time, not only before an empty schema is written
                let error = #expect(throws: StorageError.self) { _ = try LogStore(directory: directory) }
                #expect(error?.code == .corrupt, "\(String(describing: error))")
                #expect(error?.message.contains(path) == true, "\(String(describing: error))")
                #expect(error?.message.contains("refusing to start with lost data") == true, "\(String(describing: error))")
            }
        }
    }

    @Test func freshDirectoryIsMarkedAndReopens() throws {
        try withTemporaryDirectory { directory in
            do {
                let store = try LogStore(directory: directory)
                store.close()
            }
            #expect(try directoryContents(directory).contains(LogStore.markerFileName))
            let store = try LogStore(directory: directory)
            defer { store.close() }
            #expect(try store.recover().entries.isEmpty)
        }
    }

    @Test func databaseWithoutMarkerIsMarkedAtOpen() throws {
        try withTemporaryDirectory { directory in
            do {
                let store = try LogStore(directory: directory)
                try store.save(hardState: nil, entries: makeEntries(1...2, term: 1))
                store.close()
            }
            // A crash between creating the schema and writing the marker leaves this state.
            try FileSystem.removeFile(directory + "/" + LogStore.markerFileName)
            do {
                let store = try LogStore(directory: directory)
                #expect(try store.recover().entries == makeEntries(1...2, term: 1))
                store.close()
            }
            #expect(try directoryContents(directory).contains(LogStore.markerFileName))
            try truncateFile(databasePath(directory), to: 0)
            let error = #expect(throws: StorageError.self) { _ = try LogStore(directory: directory) }
            #expect(error?.code == .corrupt)
        }
    }
}
