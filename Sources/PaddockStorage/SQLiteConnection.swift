import CSQLite

/// One open SQLite database handle, with errors that name the file.
///
/// Not thread-safe: it belongs to the `LogStore` that opened it. Prepared statements hold a
/// strong reference to their connection, and `sqlite3_close_v2` defers the real close until
/// the last statement is finalized, so the order in which they are released does not matter.
final class SQLiteConnection {
    /// The database file's path, used in every error message.
    let path: String
    /// The SQLite handle; nil after `close()`.
    private(set) var handle: OpaquePointer?
    /// Every statement prepared here, so `close()` can finalize them and really close.
    private var statements: [WeakStatement] = []

    /// A statement reference that does not keep the statement alive.
    private struct WeakStatement {
        weak var statement: SQLiteStatement?
    }

    /// Opens (creating if missing) the database file at `path` for reading and writing.
    ///
    /// - Throws: `.open` when SQLite cannot open the file.
    init(path: String) throws(StorageError) {
        self.path = path
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let result = sqlite3_open_v2(path, &db, flags, nil)
        guard result == SQLITE_OK, let db else {
            let detail = db.map { String(cString: sqlite3_errmsg($0)) } ?? "no handle"
            sqlite3_close_v2(db)
            throw StorageError(
                code: .open,
                message: "cannot open database file \(path)",
                cause: "sqlite error \(result): \(detail)"
            )
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Finalizes every statement and closes the handle, which checkpoints the WAL into the
    /// database file; later calls fail with `.misuse`.
    func close() {
        for entry in statements {
            entry.statement?.finalize()
        }
        statements.removeAll()
        sqlite3_close_v2(handle)
        handle = nil
    }

    /// The open handle.
    ///
    /// - Throws: `.misuse` after `close()`.
    func openHandle() throws(StorageError) -> OpaquePointer {
        guard let handle else {
            throw StorageError(code: .misuse, message: "database \(path) is closed")
        }
        return handle
    }

    /// Runs one or more SQL statements that return no rows of interest.
    ///
    /// - Throws: the mapped SQLite error, naming `sql`.
    func execute(_ sql: String) throws(StorageError) {
        let db = try openHandle()
        var errorMessage: UnsafeMutablePointer<CChar>?
        let result = sqlite3_exec(db, sql, nil, nil, &errorMessage)
        if result != SQLITE_OK {
            let detail = errorMessage.map { String(cString: $0) }
            sqlite3_free(errorMessage)
            throw error(result, while: "running \(sql)", detail: detail)
        }
    }

    /// Compiles `sql` once for repeated use.
    ///
    /// - Throws: the mapped SQLite error (for example `.corrupt` when the file is not a
    ///   database, which SQLite notices at the first statement).
    func prepare(_ sql: String) throws(StorageError) -> SQLiteStatement {
        let db = try openHandle()
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else {
            throw error(result, while: "preparing \(sql)")
        }
        let prepared = SQLiteStatement(connection: self, handle: statement, sql: sql)
        statements.removeAll { $0.statement == nil }
        statements.append(WeakStatement(statement: prepared))
        return prepared
    }

    /// Whether a transaction is open on this connection.
    var inTransaction: Bool {
        guard let handle else { return false }
        return sqlite3_get_autocommit(handle) == 0
    }

    /// Maps a SQLite result code to a `StorageError` naming the file and what was being done.
    func error(_ result: Int32, while doing: String, detail: String? = nil) -> StorageError {
        let primary = result & 0xff
        let code: StorageError.Code
        switch primary {
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            code = .corrupt
        case SQLITE_CANTOPEN:
            code = .open
        case SQLITE_IOERR, SQLITE_FULL:
            code = .io
        case SQLITE_MISUSE:
            code = .misuse
        case SQLITE_BUSY, SQLITE_LOCKED:
            // Stores hold an exclusive lock for their lifetime, so only opening can meet one.
            return StorageError(
                code: .open,
                message: "database file \(path) is locked by another process or store (\(doing))",
                cause: "sqlite error \(result): \(String(cString: sqlite3_errstr(result)))"
            )
        default:
            code = .sqlite
        }
        let sqliteMessage = detail ?? handle.map { String(cString: sqlite3_errmsg($0)) }
            ?? String(cString: sqlite3_errstr(result))
        return StorageError(
            code: code,
            message: "\(doing) failed on database file \(path)",
            cause: "sqlite error \(result): \(sqliteMessage)"
        )
    }
}
