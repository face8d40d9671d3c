import RaftCore

extension LogStore {
    /// Measures how many durable one-row transactions per second the disk under
    /// `directory` sustains, with the same settings the store uses (WAL, synchronous=FULL).
    ///
    /// Creates a scratch store in a new subdirectory of `directory`, commits `transactions`
    /// single-entry saves, then removes the scratch files. `paddock bench` prints the figure;
    /// it bounds what group commit can reach (entries/s ≈ this × entries per batch).
    /// - Throws: `.misuse` when `transactions` is not positive; any error from opening or
    ///   writing the scratch store.
    public static func measureFsyncRate(directory: String, transactions: Int) throws(StorageError) -> Double {
        guard transactions > 0 else {
            throw StorageError(code: .misuse, message: "measureFsyncRate needs at least one transaction, got \(transactions)")
        }
        try FileSystem.createDirectory(directory)
        let scratch = FileSystem.join(directory, "paddock-fsync-probe-\(FileSystem.processID)")
        defer {
            for name in [fileName, fileName + "-wal", fileName + "-shm", markerFileName] {
                try? FileSystem.removeFile(FileSystem.join(scratch, name))
            }
            try? FileSystem.removeDirectory(scratch)
        }
        let store = try LogStore(directory: scratch)
        defer { store.close() }
        let payload = [UInt8](repeating: 0x5A, count: 128)
        let clock = ContinuousClock()
        let start = clock.now
        for offset in 0..<transactions {
            let entry = LogEntry(term: Term(1), index: LogIndex(UInt64(offset) + 1), data: payload)
            try store.save(hardState: nil, entries: [entry])
        }
        let elapsed = clock.now - start
        let (seconds, attoseconds) = elapsed.components
        let elapsedSeconds = Double(seconds) + Double(attoseconds) / 1e18
        return Double(transactions) / max(elapsedSeconds, 1e-9)
    }
}
