/// The tables of a Paddock database file and how it is identified.
///
/// `PRAGMA application_id` marks the file as Paddock's and `PRAGMA user_version` is the
/// schema version; a file with other values is refused with `.schema` rather than guessed at.
enum Schema {
    /// "PDCK": tells Paddock's files apart from any other SQLite database.
    static let applicationID: Int32 = 0x5044_434B
    /// The one schema version this build reads and writes.
    ///
    /// Version 2: the log row checksum also covers the index. Version 1 files are refused
    /// with `.schema` rather than reported as corrupt row by row.
    static let version: Int32 = 2

    /// Creates every table; run once, inside a transaction, on an empty file.
    ///
    /// - `log`: one row per entry; `crc` is CRC-32 of index | term | kind | data.
    /// - `hard_state`: at most one row (id 1); `crc` covers term | vote | commit.
    /// - `snapshots`: `data` is zlib-compressed, `data_bytes` its uncompressed length, `crc`
    ///   covers index | term | configuration | uncompressed data (see `Checksum.snapshot`).
    /// - `meta`: named integers, such as the highest index ever compacted.
    static let createSQL = """
        CREATE TABLE log (
            idx INTEGER PRIMARY KEY,
            term INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            data BLOB NOT NULL,
            crc INTEGER NOT NULL
        );
        CREATE TABLE hard_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            term INTEGER NOT NULL,
            vote INTEGER NOT NULL,
            commit_index INTEGER NOT NULL,
            crc INTEGER NOT NULL
        );
        CREATE TABLE snapshots (
            idx INTEGER PRIMARY KEY,
            term INTEGER NOT NULL,
            configuration BLOB NOT NULL,
            data BLOB NOT NULL,
            data_bytes INTEGER NOT NULL,
            crc INTEGER NOT NULL
        );
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        PRAGMA application_id = \(applicationID);
        PRAGMA user_version = \(version);
        """

    /// The `meta` key holding the highest index `compact(through:)` ever deleted through.
    static let compactedThroughKey = "compacted_through"
}
