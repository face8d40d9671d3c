import CSQLite

/// A compiled SQLite statement, prepared once and reset after every use.
///
/// Parameters are 1-based as in SQL (`?1`); columns are 0-based as in SQLite's C API.
/// Integers are stored as SQLite's signed 64-bit integers, so unsigned values travel by bit
/// pattern.
final class SQLiteStatement {
    /// The connection that compiled this statement; kept alive by this reference.
    let connection: SQLiteConnection
    /// The compiled statement.
    let handle: OpaquePointer
    /// The SQL text, for error messages.
    let sql: String
    /// Set once the statement is finalized (when its connection closes); it must not run again.
    private(set) var isFinalized = false

    init(connection: SQLiteConnection, handle: OpaquePointer, sql: String) {
        self.connection = connection
        self.handle = handle
        self.sql = sql
    }

    deinit {
        finalize()
    }

    /// Releases the compiled statement; later uses throw `.misuse`.
    func finalize() {
        guard !isFinalized else { return }
        isFinalized = true
        sqlite3_finalize(handle)
    }

    /// Binds a signed integer.
    func bind(_ value: Int64, at parameter: Int32) throws(StorageError) {
        try checkOpen()
        try check(sqlite3_bind_int64(handle, parameter, value), "binding ?\(parameter)")
    }

    /// Binds an unsigned integer by its bit pattern.
    func bind(_ value: UInt64, at parameter: Int32) throws(StorageError) {
        try bind(Int64(bitPattern: value), at: parameter)
    }

    /// Binds text, letting SQLite copy it.
    func bind(text: String, at parameter: Int32) throws(StorageError) {
        try checkOpen()
        try check(sqlite3_bind_text(handle, parameter, text, -1, paddock_sqlite_transient()), "binding ?\(parameter)")
    }

    /// Binds a blob without copying it.
    ///
    /// The caller keeps `bytes` alive until the statement has been stepped and `reset()`;
    /// `reset()` clears the bindings so no pointer outlives that scope. An empty buffer binds
    /// an empty blob, never NULL.
    func bind(borrowing bytes: UnsafeBufferPointer<UInt8>, at parameter: Int32) throws(StorageError) {
        try checkOpen()
        let result: Int32
        if let base = bytes.baseAddress, bytes.count > 0 {
            result = sqlite3_bind_blob64(handle, parameter, base, sqlite3_uint64(bytes.count), nil)
        } else {
            result = sqlite3_bind_zeroblob(handle, parameter, 0)
        }
        try check(result, "binding ?\(parameter)")
    }

    /// Advances; true when a row is ready to read, false when the statement is done.
    ///
    /// - Throws: the mapped SQLite error.
    func step() throws(StorageError) -> Bool {
        try checkOpen()
        let result = sqlite3_step(handle)
        switch result {
        case SQLITE_ROW:
            return true
        case SQLITE_DONE:
            return false
        default:
            throw connection.error(result, while: "running \(sql)")
        }
    }

    /// Runs a statement that returns no rows.
    func run() throws(StorageError) {
        defer { reset() }
        while try step() {}
    }

    /// Rewinds the statement and clears its bindings, ready for the next use.
    func reset() {
        guard !isFinalized else { return }
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Whether the column in the current row is SQL NULL.
    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    /// A signed integer column of the current row.
    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    /// An unsigned integer column of the current row, by bit pattern.
    func uint64(_ column: Int32) -> UInt64 {
        UInt64(bitPattern: sqlite3_column_int64(handle, column))
    }

    /// A text column of the current row.
    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: pointer)
    }

    /// A blob column of the current row, copied out.
    func blob(_ column: Int32) -> [UInt8] {
        withBlob(column) { Array($0) }
    }

    /// Lends a blob column of the current row; valid only inside `body`.
    func withBlob<T>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        guard let pointer, count > 0 else {
            return body(UnsafeBufferPointer(start: nil, count: 0))
        }
        return body(UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: UInt8.self), count: count))
    }

    private func checkOpen() throws(StorageError) {
        guard !isFinalized else {
            throw StorageError(code: .misuse, message: "database \(connection.path) is closed")
        }
    }

    private func check(_ result: Int32, _ doing: String) throws(StorageError) {
        guard result == SQLITE_OK else {
            throw connection.error(result, while: "\(doing) of \(sql)")
        }
    }
}
