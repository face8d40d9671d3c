import RaftCore

extension LogStore {
    /// Runs `body` inside `BEGIN IMMEDIATE ... COMMIT`; on any failure rolls back and
    /// rethrows, so no half transaction survives a throw.
    func transaction(_ body: () throws(StorageError) -> Void) throws(StorageError) {
        try statements.begin.run()
        do {
            try body()
            try statements.commit.run()
        } catch {
            // A failed COMMIT may already have rolled back; only roll back what is open.
            if connection.inTransaction {
                try? statements.rollback.run()
            }
            throw error
        }
    }

    /// Checks a batch for `save`: contiguous, after the snapshot, no gap after the log.
    func checkAppendable(_ entries: [LogEntry]) throws(StorageError) {
        guard let first = entries.first else { return }
        // Checked first, so the index arithmetic below cannot overflow.
        guard first.index.rawValue <= UInt64(Int64.max) - UInt64(entries.count - 1) else {
            throw StorageError(code: .misuse, message: "log index beyond \(Int64.max) cannot be stored")
        }
        for (offset, entry) in entries.enumerated() where entry.index.rawValue != first.index.rawValue + UInt64(offset) {
            throw StorageError(
                code: .misuse,
                message: "entries are not contiguous: position \(offset) has index \(entry.index), expected \(first.index.rawValue + UInt64(offset))"
            )
        }
        guard first.index > snapshotIndex else {
            throw StorageError(
                code: .misuse,
                message: "entry \(first.index) is at or before the snapshot at \(snapshotIndex)"
            )
        }
        guard first.index <= lastIndex.next else {
            throw StorageError(
                code: .misuse,
                message: "entry \(first.index) would leave a gap after the last index \(lastIndex)"
            )
        }
    }

    /// Inserts one entry row; the payload is bound without a copy.
    func insert(_ entry: LogEntry) throws(StorageError) {
        let insert = statements.insertEntry
        try entry.data.withUnsafeBufferPointer { (data) throws(StorageError) in
            // Reset inside the scope that lends `data`, so no binding outlives the buffer.
            defer { insert.reset() }
            try insert.bind(entry.index.rawValue, at: 1)
            try insert.bind(entry.term.rawValue, at: 2)
            try insert.bind(Int64(entry.kind.rawValue), at: 3)
            try insert.bind(borrowing: data, at: 4)
            let crc = Checksum.entry(index: entry.index, term: entry.term, kind: entry.kind.rawValue, data: data)
            try insert.bind(Int64(crc), at: 5)
            _ = try insert.step()
        }
    }

    /// Reads `from...through`, verifying each row's checksum and that no index is missing.
    ///
    /// With `bytesMax`, stops before the entry that would take the payload total past it,
    /// but always returns at least the first entry.
    /// - Throws: `.corrupt` naming the index of the first bad or missing row.
    func readEntries(from: LogIndex, through: LogIndex, bytesMax: Int = .max) throws(StorageError) -> [LogEntry] {
        let select = statements.selectRange
        defer { select.reset() }
        try select.bind(from.rawValue, at: 1)
        try select.bind(through.rawValue, at: 2)
        var entries: [LogEntry] = []
        let span = through.rawValue - from.rawValue
        entries.reserveCapacity(Int(min(span, 1 << 16)) + 1)
        var expected = from
        var payloadBytes = 0
        while try select.step() {
            let index = LogIndex(select.uint64(0))
            guard index == expected else {
                throw StorageError(
                    code: .corrupt,
                    message: "log in \(path) is missing entry \(expected) (next stored is \(index))"
                )
            }
            let entry = try decodeEntryRow(select, index: index)
            payloadBytes += entry.data.count
            if payloadBytes > bytesMax && !entries.isEmpty {
                return entries
            }
            entries.append(entry)
            expected = index.next
        }
        guard expected == through.next else {
            throw StorageError(
                code: .corrupt,
                message: "log in \(path) is missing entry \(expected) (wanted through \(through))"
            )
        }
        return entries
    }

    private func decodeEntryRow(_ row: SQLiteStatement, index: LogIndex) throws(StorageError) -> LogEntry {
        let term = Term(row.uint64(1))
        let kindValue = row.int64(2)
        let storedCRC = row.int64(4)
        let (data, crc) = row.withBlob(3) { blob in
            (
                Array(blob),
                Checksum.entry(index: index, term: term, kind: UInt8(truncatingIfNeeded: kindValue), data: blob)
            )
        }
        guard storedCRC == Int64(crc), let kindByte = UInt8(exactly: kindValue), let kind = EntryKind(rawValue: kindByte) else {
            throw StorageError(
                code: .corrupt,
                message: "log entry \(index) in \(path) fails its checksum",
                cause: "stored crc \(storedCRC), computed \(crc), kind \(kindValue)"
            )
        }
        return LogEntry(term: term, index: index, kind: kind, data: data)
    }

    /// Writes the single hard state row with its checksum.
    func writeHardState(_ state: HardState) throws(StorageError) {
        let upsert = statements.upsertHardState
        try upsert.bind(state.term.rawValue, at: 1)
        try upsert.bind(state.vote?.rawValue ?? 0, at: 2)
        try upsert.bind(state.commit.rawValue, at: 3)
        try upsert.bind(Int64(Checksum.hardState(state)), at: 4)
        try upsert.run()
    }

    /// Reads the hard state row, or the zero value when there is none.
    ///
    /// - Throws: `.corrupt` when the row fails its checksum.
    func readHardState() throws(StorageError) -> HardState {
        let select = statements.selectHardState
        defer { select.reset() }
        guard try select.step() else { return HardState() }
        let vote = select.uint64(1)
        let state = HardState(
            term: Term(select.uint64(0)),
            vote: vote == 0 ? nil : NodeID(vote),
            commit: LogIndex(select.uint64(2))
        )
        let storedCRC = select.int64(3)
        guard storedCRC == Int64(Checksum.hardState(state)) else {
            throw StorageError(
                code: .corrupt,
                message: "hard state in \(path) fails its checksum",
                cause: "stored crc \(storedCRC), computed \(Checksum.hardState(state))"
            )
        }
        return state
    }

    /// Reads an integer from the `meta` table.
    func readMeta(_ key: String) throws(StorageError) -> UInt64? {
        let select = statements.selectMeta
        defer { select.reset() }
        try select.bind(text: key, at: 1)
        guard try select.step() else { return nil }
        return select.uint64(0)
    }

    /// Records the highest index ever compacted, for error messages after a lost snapshot.
    func writeCompactedThrough(_ index: LogIndex) throws(StorageError) {
        let upsert = statements.upsertMeta
        try upsert.bind(text: Schema.compactedThroughKey, at: 1)
        try upsert.bind(index.rawValue, at: 2)
        try upsert.run()
    }
}
