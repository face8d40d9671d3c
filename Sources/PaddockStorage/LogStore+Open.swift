import CSQLite
import RaftCore

extension LogStore {
    /// The statements a store runs on its hot paths, compiled once at open.
    struct Statements {
        let begin: SQLiteStatement
        let commit: SQLiteStatement
        let rollback: SQLiteStatement
        let insertEntry: SQLiteStatement
        let deleteFrom: SQLiteStatement
        let deleteThrough: SQLiteStatement
        let selectRange: SQLiteStatement
        let selectTerm: SQLiteStatement
        let logBounds: SQLiteStatement
        let countEntries: SQLiteStatement
        let upsertHardState: SQLiteStatement
        let selectHardState: SQLiteStatement
        let upsertMeta: SQLiteStatement
        let selectMeta: SQLiteStatement
        let insertSnapshot: SQLiteStatement
        let pruneSnapshots: SQLiteStatement
        let selectSnapshots: SQLiteStatement
        let newestSnapshotHeader: SQLiteStatement
        let deleteLog: SQLiteStatement

        init(_ connection: SQLiteConnection) throws(StorageError) {
            begin = try connection.prepare("BEGIN IMMEDIATE")
            commit = try connection.prepare("COMMIT")
            rollback = try connection.prepare("ROLLBACK")
            insertEntry = try connection.prepare(
                "INSERT INTO log (idx, term, kind, data, crc) VALUES (?1, ?2, ?3, ?4, ?5)")
            deleteFrom = try connection.prepare("DELETE FROM log WHERE idx >= ?1")
            deleteThrough = try connection.prepare("DELETE FROM log WHERE idx <= ?1")
            selectRange = try connection.prepare(
                "SELECT idx, term, kind, data, crc FROM log WHERE idx BETWEEN ?1 AND ?2 ORDER BY idx")
            selectTerm = try connection.prepare("SELECT term FROM log WHERE idx = ?1")
            logBounds = try connection.prepare("SELECT min(idx), max(idx) FROM log")
            countEntries = try connection.prepare("SELECT count(*) FROM log")
            upsertHardState = try connection.prepare(
                "INSERT OR REPLACE INTO hard_state (id, term, vote, commit_index, crc) VALUES (1, ?1, ?2, ?3, ?4)")
            selectHardState = try connection.prepare(
                "SELECT term, vote, commit_index, crc FROM hard_state WHERE id = 1")
            upsertMeta = try connection.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")
            selectMeta = try connection.prepare("SELECT value FROM meta WHERE key = ?1")
            insertSnapshot = try connection.prepare(
                "INSERT OR REPLACE INTO snapshots (idx, term, configuration, data, data_bytes, crc) "
                    + "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            pruneSnapshots = try connection.prepare(
                "DELETE FROM snapshots WHERE idx NOT IN (SELECT idx FROM snapshots ORDER BY idx DESC LIMIT ?1)")
            selectSnapshots = try connection.prepare(
                "SELECT idx, term, configuration, data, data_bytes, crc FROM snapshots ORDER BY idx DESC")
            newestSnapshotHeader = try connection.prepare(
                "SELECT idx, term FROM snapshots ORDER BY idx DESC LIMIT 1")
            deleteLog = try connection.prepare("DELETE FROM log")
        }
    }

    /// Sets the pragmas every connection needs: an exclusive lock, WAL, full fsync, a busy
    /// timeout, and checking each page's cells as it is read.
    ///
    /// The exclusive lock is taken at the first read and held until `close()`, so a second
    /// process (or store) on the same directory fails at open instead of interleaving its
    /// writes with ours. The first statement is also where SQLite notices a file that is
    /// not a database.
    static func configure(_ connection: SQLiteConnection, options: Options) throws(StorageError) {
        let db = try connection.openHandle()
        sqlite3_busy_timeout(db, options.busyTimeoutMs)
        try connection.execute("PRAGMA locking_mode = EXCLUSIVE")
        let mode = try pragmaText(connection, "PRAGMA journal_mode = WAL")
        guard mode.lowercased() == "wal" else {
            throw StorageError(code: .open, message: "database file \(connection.path) refused WAL mode (got \(mode))")
        }
        // The WAL is truncated back to 64 MiB after a checkpoint so a burst does not keep disk.
        try connection.execute(
            "PRAGMA synchronous = FULL; PRAGMA cell_size_check = ON; PRAGMA journal_size_limit = 67108864")
    }

    /// Runs `PRAGMA quick_check` (or `integrity_check`) and throws `.corrupt` with its first
    /// findings unless it answers `ok`.
    static func checkIntegrity(_ connection: SQLiteConnection, full: Bool) throws(StorageError) {
        let statement = try connection.prepare(full ? "PRAGMA integrity_check(20)" : "PRAGMA quick_check(20)")
        defer { statement.reset() }
        var findings: [String] = []
        for _ in 0..<20 {
            guard try statement.step() else { break }
            findings.append(statement.text(0))
        }
        guard findings == ["ok"] else {
            throw StorageError(
                code: .corrupt,
                message: "database file \(connection.path) failed its integrity check",
                cause: findings.joined(separator: "; ")
            )
        }
    }

    /// What the marker file says, for an operator who finds it.
    static let markerText = """
        Paddock created the database \(fileName) in this directory. While this file exists, \
        an empty or missing \(fileName) is refused as lost data; remove this file to start empty on purpose.

        """

    /// Creates the schema in an empty file, or checks that the file carries Paddock's
    /// application id and this build's schema version.
    ///
    /// - Parameter markerPath: the directory's marker file when it exists; an empty
    ///   database is then refused with `.corrupt` instead of being initialized.
    static func checkSchema(_ connection: SQLiteConnection, markerPath: String?) throws(StorageError) {
        let applicationID = try pragmaInteger(connection, "PRAGMA application_id")
        let version = try pragmaInteger(connection, "PRAGMA user_version")
        if applicationID == 0 && version == 0 {
            let tables = try pragmaInteger(connection, "SELECT count(*) FROM sqlite_master")
            guard tables == 0 else {
                throw StorageError(
                    code: .schema,
                    message: "database file \(connection.path) holds \(tables) schema objects but is not a Paddock database"
                )
            }
            if let markerPath {
                throw StorageError(
                    code: .corrupt,
                    message: "database file \(connection.path) is empty or missing, but \(markerPath) shows "
                        + "that a Paddock database was created there: refusing to start with lost data "
                        + "(restore the file, or remove the marker to start empty on purpose)"
                )
            }
            try connection.execute("BEGIN IMMEDIATE; \(Schema.createSQL); COMMIT")
            return
        }
        guard applicationID == Int64(Schema.applicationID) else {
            throw StorageError(
                code: .schema,
                message: "database file \(connection.path) has application id \(applicationID), not Paddock's"
            )
        }
        guard version == Int64(Schema.version) else {
            throw StorageError(
                code: .schema,
                message: "database file \(connection.path) has schema version \(version); this build reads version \(Schema.version)"
            )
        }
    }

    private static func pragmaText(_ connection: SQLiteConnection, _ sql: String) throws(StorageError) -> String {
        let statement = try connection.prepare(sql)
        defer { statement.reset() }
        guard try statement.step() else { return "" }
        return statement.text(0)
    }

    private static func pragmaInteger(_ connection: SQLiteConnection, _ sql: String) throws(StorageError) -> Int64 {
        let statement = try connection.prepare(sql)
        defer { statement.reset() }
        guard try statement.step() else { return 0 }
        return statement.int64(0)
    }

    /// Loads the cached bounds of the log, the newest snapshot's header and the compaction
    /// mark. The snapshot is verified later, by `recover()`.
    ///
    /// - Throws: `.corrupt` for a negative index, which no store writes (indexes are kept
    ///   below 2^63) and which would read back as an index near 2^64 with no successor.
    func loadBounds() throws(StorageError) {
        try loadLogBounds()
        let header = statements.newestSnapshotHeader
        defer { header.reset() }
        if try header.step() {
            snapshotIndex = LogIndex(try Self.storedIndex(header.int64(0), "a snapshot", path))
            snapshotTerm = Term(header.uint64(1))
        }
        compactedThrough = LogIndex(try readMeta(Schema.compactedThroughKey) ?? 0)
    }

    /// Reloads `firstLogIndex` and `lastLogIndex` from the table.
    func loadLogBounds() throws(StorageError) {
        let bounds = statements.logBounds
        defer { bounds.reset() }
        guard try bounds.step(), !bounds.isNull(0) else {
            firstLogIndex = nil
            lastLogIndex = nil
            return
        }
        // The smallest stored index decides: the largest is at least as large.
        firstLogIndex = LogIndex(try Self.storedIndex(bounds.int64(0), "the log", path))
        lastLogIndex = LogIndex(bounds.uint64(1))
    }

    /// A stored index as a log index, or `.corrupt` naming `place` when it is negative.
    private static func storedIndex(_ value: Int64, _ place: String, _ path: String) throws(StorageError) -> UInt64 {
        guard value >= 0 else {
            throw StorageError(code: .corrupt, message: "\(place) in \(path) has the impossible index \(value)")
        }
        return UInt64(value)
    }
}
