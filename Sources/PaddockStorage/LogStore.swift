import RaftCore

/// The durable half of a Paddock member: the Raft log, the hard state and compressed
/// snapshots, in one SQLite database file (`paddock.db`) in WAL mode with
/// `synchronous=FULL`, so every committed transaction is on disk when a call returns.
///
/// Every row carries a CRC-32 that is verified on the way back; storage never repairs or
/// drops data on its own, it throws `.corrupt` and the member stops.
///
/// A store holds an exclusive lock on its file from `init` to `close()`: a second store on
/// the same directory, in this process or another, fails to open with `.open`.
///
/// Not thread-safe: a store is owned by one thread or actor at a time. Prepared statements
/// are compiled once at open and reused, so a `save` of a batch of entries costs one
/// transaction and one fsync.
///
/// Invariants (between calls): stored entries after `snapshotIndex` are contiguous;
/// `firstLogIndex` and `lastLogIndex` are the bounds of the `log` table (nil when empty).
public final class LogStore {
    /// Tunables of a store.
    public struct Options: Sendable {
        /// How many snapshots to keep; older ones are deleted when a new one is saved.
        /// At least 1; 2 (the default) lets recovery fall back when the newest is damaged.
        public var snapshotsKept: Int
        /// Run the full `PRAGMA integrity_check` at open instead of `quick_check`; slower,
        /// also checks index contents. Default false.
        public var fullIntegrityCheck: Bool
        /// The zlib level for snapshots, 0 (store) to 9 (smallest). Default 6.
        public var snapshotCompressionLevel: Int32
        /// How long opening waits for another process or store to release the file, in
        /// milliseconds, before failing with `.open`. Default 5000, enough for a restarting
        /// predecessor to exit.
        public var busyTimeoutMs: Int32

        /// Options from their parts; every argument has its documented default.
        public init(
            snapshotsKept: Int = 2,
            fullIntegrityCheck: Bool = false,
            snapshotCompressionLevel: Int32 = 6,
            busyTimeoutMs: Int32 = 5_000
        ) {
            self.snapshotsKept = snapshotsKept
            self.fullIntegrityCheck = fullIntegrityCheck
            self.snapshotCompressionLevel = snapshotCompressionLevel
            self.busyTimeoutMs = busyTimeoutMs
        }
    }

    /// The name of the database file inside the store's directory.
    public static let fileName = "paddock.db"
    /// The name of the marker file written beside the database once it holds Paddock's
    /// schema.
    ///
    /// SQLite opens an empty or missing file as a new, empty database, so without the
    /// marker a database truncated to zero bytes (or deleted) would start as an empty log:
    /// acknowledged writes silently gone. With the marker present, an empty database is
    /// refused with `.corrupt`. Removing the marker (or the whole directory) is how an
    /// operator starts empty on purpose.
    public static let markerFileName = "paddock.db.created"

    /// The path of the database file.
    public let path: String
    /// The options the store was opened with.
    public let options: Options

    let connection: SQLiteConnection
    let statements: Statements

    /// The lowest index in the `log` table, nil when it is empty.
    var firstLogIndex: LogIndex?
    /// The highest index in the `log` table, nil when it is empty.
    var lastLogIndex: LogIndex?
    /// The index of the snapshot the store stands on (0 without one).
    ///
    /// Before `recover()` this is the newest stored snapshot's index, unverified; after it,
    /// the index of the snapshot recovery chose.
    public internal(set) var snapshotIndex: LogIndex = .zero
    /// The term of the snapshot the store stands on (0 without one); see `snapshotIndex`.
    public internal(set) var snapshotTerm: Term = .zero
    /// The highest index ever compacted (0 if never).
    var compactedThrough: LogIndex = .zero

    /// Opens the store in `directory`, creating the directory and the database as needed.
    ///
    /// Sets WAL mode and `synchronous=FULL`, runs `PRAGMA quick_check` (or
    /// `integrity_check`), then checks the file is a Paddock database of this schema version.
    /// - Throws: `.open` when the directory or file cannot be opened or created;
    ///   `.open` also when another store holds the file's lock;
    ///   `.corrupt` when the file is not a SQLite database, is truncated or its pages are
    ///   damaged (the message names the file), and when it is empty or missing although
    ///   the directory's marker (`markerFileName`) shows it held a Paddock database;
    ///   `.schema` for a foreign or newer database; `.io` when the marker cannot be written;
    ///   `.misuse` for invalid options.
    public init(directory: String, options: Options = .init()) throws(StorageError) {
        guard options.snapshotsKept >= 1 else {
            throw StorageError(code: .misuse, message: "snapshotsKept must be at least 1, got \(options.snapshotsKept)")
        }
        guard (0...9).contains(options.snapshotCompressionLevel) else {
            throw StorageError(
                code: .misuse,
                message: "snapshotCompressionLevel must be in 0...9, got \(options.snapshotCompressionLevel)"
            )
        }
        try FileSystem.createDirectory(directory)
        let path = FileSystem.join(directory, Self.fileName)
        self.path = path
        self.options = options
        let markerPath = FileSystem.join(directory, Self.markerFileName)
        let marked = FileSystem.exists(markerPath)
        let connection = try SQLiteConnection(path: path)
        try Self.configure(connection, options: options)
        try Self.checkIntegrity(connection, full: options.fullIntegrityCheck)
        try Self.checkSchema(connection, markerPath: marked ? markerPath : nil)
        if !marked {
            // Only after the schema is committed: a crash before this line leaves a valid
            // database without a marker, which the next open marks.
            try FileSystem.writeDurably(markerPath, Array(Self.markerText.utf8), directory: directory)
        }
        self.connection = connection
        self.statements = try Statements(connection)
        try loadBounds()
    }

    /// Closes the database; later throwing calls fail with `.misuse`.
    public func close() {
        if connection.inTransaction {
            try? connection.execute("ROLLBACK")
        }
        connection.close()
    }

    /// The first index a caller can read: the first stored entry (which may be at or before
    /// the snapshot when a tail was kept by `compact(through:)`), or the snapshot index + 1
    /// when the log is empty.
    public var firstIndex: LogIndex {
        firstLogIndex ?? snapshotIndex.next
    }

    /// The last index known: the last stored entry, or the snapshot index when it is later.
    public var lastIndex: LogIndex {
        max(lastLogIndex ?? .zero, snapshotIndex)
    }

    /// Persists the hard state (if given) and `entries` in one transaction, one fsync.
    ///
    /// `entries` must be contiguous. The first may land anywhere after the snapshot up to
    /// `lastIndex + 1`; an entry at an index already stored replaces it and every stored
    /// entry after it (Raft §5.3: a conflicting suffix is deleted).
    /// On any failure the transaction is rolled back, so nothing of this call is stored.
    /// - Throws: `.misuse` for a gap, a non-contiguous batch, an index at or below the
    ///   snapshot, or a vote for `NodeID(0)` (the stored row uses 0 for "no vote", so such a
    ///   vote would come back as none: a second vote in the same term); `.io`/`.sqlite` when
    ///   the write fails.
    public func save(hardState: HardState?, entries: [LogEntry]) throws(StorageError) {
        if hardState == nil && entries.isEmpty { return }
        if let vote = hardState?.vote, vote.rawValue == 0 {
            throw StorageError(code: .misuse, message: "a vote for node 0 cannot be stored: node ids are never 0")
        }
        try checkAppendable(entries)
        try transaction { () throws(StorageError) in
            if let hardState {
                try writeHardState(hardState)
            }
            if let first = entries.first {
                if let lastLogIndex, first.index <= lastLogIndex {
                    let delete = statements.deleteFrom
                    try delete.bind(first.index.rawValue, at: 1)
                    try delete.run()
                }
                for entry in entries {
                    try insert(entry)
                }
            }
        }
        if let first = entries.first, let last = entries.last {
            if firstLogIndex == nil || first.index < firstLogIndex! {
                firstLogIndex = first.index
            }
            lastLogIndex = last.index
            precondition(
                firstLogIndex! <= last.index && last.index > snapshotIndex,
                "log bounds \(firstLogIndex!)...\(last.index) inconsistent with snapshot \(snapshotIndex)"
            )
        }
    }

    /// The stored entries `from...through`, checksums verified.
    ///
    /// - Throws: `.misuse` when the range is empty or reaches outside the stored log;
    ///   `.corrupt` naming the index when a row fails its checksum or an index is missing.
    public func entries(from: LogIndex, through: LogIndex) throws(StorageError) -> [LogEntry] {
        try entries(from: from, through: through, bytesMax: .max)
    }

    /// The stored entries from `from`, at most through `through`, stopping before the entry
    /// that would take the payload total past `bytesMax`; at least one entry is returned.
    ///
    /// For replication batches: a lagging follower gets a bounded message.
    /// - Throws: as `entries(from:through:)`; `.misuse` also when `bytesMax` is negative.
    public func entries(from: LogIndex, through: LogIndex, bytesMax: Int) throws(StorageError) -> [LogEntry] {
        guard bytesMax >= 0 else {
            throw StorageError(code: .misuse, message: "bytesMax must not be negative, got \(bytesMax)")
        }
        guard from <= through else {
            throw StorageError(code: .misuse, message: "entries(from: \(from), through: \(through)) is an empty range")
        }
        guard let firstLogIndex, let lastLogIndex, from >= firstLogIndex, through <= lastLogIndex else {
            throw StorageError(
                code: .misuse,
                message: "entries \(from)...\(through) are outside the stored log "
                    + "\(firstLogIndex.map(String.init(describing:)) ?? "-")...\(lastLogIndex.map(String.init(describing:)) ?? "-")"
            )
        }
        return try readEntries(from: from, through: through, bytesMax: bytesMax)
    }

    /// The term of the entry at `index`, the snapshot's term at its index, `.zero` at
    /// index 0, or nil when the index is neither stored nor the snapshot's.
    ///
    /// Reads only the term column (no checksum) because Raft asks this on every append;
    /// `entries` and `recover` verify the rows.
    public func term(at index: LogIndex) throws(StorageError) -> Term? {
        if index == snapshotIndex { return snapshotTerm }
        if index == .zero { return .zero }
        let select = statements.selectTerm
        defer { select.reset() }
        try select.bind(index.rawValue, at: 1)
        guard try select.step() else { return nil }
        return Term(select.uint64(0))
    }

    /// Deletes entries with index <= `through` in one transaction; the caller keeps a tail.
    ///
    /// - Throws: `.misuse` when `through` is beyond the newest saved snapshot, because
    ///   the deleted entries would exist nowhere else.
    public func compact(through: LogIndex) throws(StorageError) {
        guard through <= snapshotIndex else {
            throw StorageError(
                code: .misuse,
                message: "cannot compact through \(through): the newest snapshot is at \(snapshotIndex)"
            )
        }
        try transaction { () throws(StorageError) in
            let delete = statements.deleteThrough
            try delete.bind(through.rawValue, at: 1)
            try delete.run()
            try writeCompactedThrough(max(through, compactedThrough))
        }
        compactedThrough = max(through, compactedThrough)
        try loadLogBounds()
    }

    /// The number of rows in the log table (entries kept, including any at or before the
    /// snapshot).
    public func storedEntryCount() throws(StorageError) -> Int {
        let count = statements.countEntries
        defer { count.reset() }
        guard try count.step() else { return 0 }
        return Int(count.int64(0))
    }

    /// Runs `sql` directly; for tests that damage rows on purpose.
    func execute(_ sql: String) throws(StorageError) {
        try connection.execute(sql)
    }

    /// The first column of the first row of `sql` as an integer; for tests.
    func queryInteger(_ sql: String) throws(StorageError) -> Int64? {
        let statement = try connection.prepare(sql)
        defer { statement.reset() }
        guard try statement.step(), !statement.isNull(0) else { return nil }
        return statement.int64(0)
    }
}
