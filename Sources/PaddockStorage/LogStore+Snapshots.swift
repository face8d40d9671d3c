import RaftCore

extension LogStore {
    /// Stores `snapshot` zlib-compressed with a checksum, in one transaction, and deletes
    /// all but the newest `options.snapshotsKept` snapshots.
    ///
    /// When the log does not reach `snapshot.index`, or holds a different term there (a
    /// snapshot installed from the leader, Raft §7), the whole stored log is discarded in
    /// the same transaction: none of it can follow the snapshot. Otherwise the log is kept;
    /// call `compact(through:)` to trim it.
    /// - Throws: `.misuse` when the snapshot is older than the newest stored one, at
    ///   index 0 or beyond 2^63 - 1 (SQLite's integers are signed); `.compression`, `.io` or `.sqlite` when it cannot be written.
    public func saveSnapshot(_ snapshot: SnapshotRecord) throws(StorageError) {
        try saveSnapshot(PreparedSnapshot(snapshot, compressionLevel: options.snapshotCompressionLevel))
    }

    /// Stores a snapshot compressed beforehand (off this store's thread), exactly as
    /// `saveSnapshot(_: SnapshotRecord)` stores it, with the same pruning and log rules.
    ///
    /// - Throws: as `saveSnapshot(_: SnapshotRecord)`, except `.compression`.
    public func saveSnapshot(_ snapshot: PreparedSnapshot) throws(StorageError) {
        guard snapshot.index > .zero, snapshot.index >= snapshotIndex else {
            throw StorageError(
                code: .misuse,
                message: "snapshot at \(snapshot.index) is not newer than the stored one at \(snapshotIndex)"
            )
        }
        guard snapshot.index.rawValue <= UInt64(Int64.max) else {
            throw StorageError(code: .misuse, message: "snapshot index beyond \(Int64.max) cannot be stored")
        }
        let compressed = snapshot.compressed
        let checksum = snapshot.checksum
        let storedTerm = try term(at: snapshot.index)
        let discardLog = lastLogIndex != nil && storedTerm != snapshot.term
        try transaction { () throws(StorageError) in
            let insert = statements.insertSnapshot
            try snapshot.configuration.withUnsafeBufferPointer { (configuration) throws(StorageError) in
                try compressed.withUnsafeBufferPointer { (data) throws(StorageError) in
                    // Reset inside the scope that lends the buffers.
                    defer { insert.reset() }
                    try insert.bind(snapshot.index.rawValue, at: 1)
                    try insert.bind(snapshot.term.rawValue, at: 2)
                    try insert.bind(borrowing: configuration, at: 3)
                    try insert.bind(borrowing: data, at: 4)
                    try insert.bind(Int64(snapshot.dataBytes), at: 5)
                    try insert.bind(Int64(checksum), at: 6)
                    _ = try insert.step()
                }
            }
            let prune = statements.pruneSnapshots
            try prune.bind(Int64(options.snapshotsKept), at: 1)
            try prune.run()
            if discardLog {
                try statements.deleteLog.run()
            }
        }
        snapshotIndex = snapshot.index
        snapshotTerm = snapshot.term
        if discardLog {
            firstLogIndex = nil
            lastLogIndex = nil
        }
    }

    /// The snapshot recovery would use: the newest that verifies, or an older one under the
    /// rule of `recover()`; nil when none is stored.
    ///
    /// - Throws: `.corrupt` when the newest snapshot is damaged and no older one can stand
    ///   in for it without losing compacted entries.
    public func latestSnapshot() throws(StorageError) -> SnapshotRecord? {
        try selectSnapshot()
    }

    /// Applies the recovery rule for snapshots.
    ///
    /// The newest snapshot whose checksum verifies is used. If a newer one is damaged, an
    /// older one stands in only when the log still holds every entry from just after the
    /// older one through the damaged one's index; otherwise data would be lost, so this
    /// throws instead of guessing.
    func selectSnapshot() throws(StorageError) -> SnapshotRecord? {
        let select = statements.selectSnapshots
        defer { select.reset() }
        var damaged: (index: LogIndex, reason: String)?
        var rowsSeen = 0
        while try select.step() {
            rowsSeen += 1
            precondition(rowsSeen <= 1_000_000, "snapshot table has more than a million rows")
            let index = LogIndex(select.uint64(0))
            switch decodeSnapshotRow(select, index: index) {
            case .success(let snapshot):
                if let damaged {
                    try checkLogCovers(from: snapshot.index.next, through: damaged.index, damaged: damaged)
                }
                return snapshot
            case .failure(let reason):
                if damaged == nil {
                    damaged = (index, reason.message)
                }
            }
        }
        if let damaged {
            try checkLogCovers(from: LogIndex(1), through: damaged.index, damaged: damaged)
        }
        return nil
    }

    /// Throws `.corrupt` unless the stored log holds `from...through` (bounds only; gaps and
    /// checksums are found when the entries are read).
    private func checkLogCovers(
        from: LogIndex, through: LogIndex, damaged: (index: LogIndex, reason: String)
    ) throws(StorageError) {
        if let firstLogIndex, let lastLogIndex, firstLogIndex <= from, lastLogIndex >= through {
            return
        }
        let lostThrough = max(compactedThrough, (firstLogIndex ?? lastIndex.next).previous)
        throw StorageError(
            code: .corrupt,
            message: "snapshot at \(damaged.index) is corrupt and the log was compacted through \(lostThrough): "
                + "refusing to start with lost data (database file \(path))",
            cause: damaged.reason
        )
    }

    /// Decodes and verifies the current row of `selectSnapshots`.
    private func decodeSnapshotRow(_ row: SQLiteStatement, index: LogIndex) -> Result<SnapshotRecord, StorageError> {
        let term = Term(row.uint64(1))
        let configuration = row.blob(2)
        let dataBytes = row.int64(4)
        let storedCRC = row.int64(5)
        guard dataBytes >= 0, dataBytes <= Int64(Compression.chunkBytesMax) else {
            return .failure(StorageError(code: .corrupt, message: "snapshot at \(index) records \(dataBytes) bytes"))
        }
        let inflated = row.withBlob(3) { compressed in
            Result<[UInt8], StorageError>(catching: { () throws(StorageError) in
                try Compression.inflate(buffer: compressed, expectedCount: Int(dataBytes))
            })
        }
        let data: [UInt8]
        switch inflated {
        case .success(let bytes):
            data = bytes
        case .failure(let error):
            return .failure(StorageError(code: .corrupt, message: "snapshot at \(index) does not inflate: \(error.message)"))
        }
        let snapshot = SnapshotRecord(index: index, term: term, configuration: configuration, data: data)
        let crc = Checksum.snapshot(snapshot)
        guard Int64(crc) == storedCRC else {
            return .failure(StorageError(
                code: .corrupt,
                message: "snapshot at \(index) fails its checksum (stored \(storedCRC), computed \(crc))"
            ))
        }
        return .success(snapshot)
    }
}
