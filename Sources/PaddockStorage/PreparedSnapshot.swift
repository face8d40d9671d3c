import RaftCore

/// A snapshot compressed and checksummed for storage, ready for
/// `LogStore.saveSnapshot(_: PreparedSnapshot)`.
///
/// Why: compressing a large tree takes long, and the thread that owns the store is the one
/// that writes the log. Preparing the snapshot on another thread leaves only the insert
/// for the store's thread. The stored row is the same as `saveSnapshot(_: SnapshotRecord)`
/// writes, so recovery does not know which way it was saved.
/// Invariant: `compressed` inflates to `dataBytes` bytes whose checksum, with the other
/// fields, is `checksum`.
public struct PreparedSnapshot: Sendable {
    /// The last log index the snapshot covers.
    public let index: LogIndex
    /// The term of the entry at `index`.
    public let term: Term
    /// The membership bytes, stored as given.
    public let configuration: [UInt8]
    /// The state machine's bytes, zlib-compressed.
    let compressed: [UInt8]
    /// The uncompressed length of the state machine's bytes.
    public let dataBytes: Int
    /// The checksum of the uncompressed snapshot (see `Checksum.snapshot`).
    let checksum: UInt32

    /// Compresses `snapshot.data` at zlib level `compressionLevel` (0...9, as
    /// `LogStore.Options.snapshotCompressionLevel`) and computes its checksum.
    ///
    /// - Throws: `.misuse` for a level outside 0...9; `.compression` when zlib fails.
    public init(_ snapshot: SnapshotRecord, compressionLevel: Int32 = 6) throws(StorageError) {
        guard (0...9).contains(compressionLevel) else {
            throw StorageError(code: .misuse, message: "compressionLevel must be in 0...9, got \(compressionLevel)")
        }
        self.index = snapshot.index
        self.term = snapshot.term
        self.configuration = snapshot.configuration
        self.compressed = try Compression.deflate(snapshot.data, level: compressionLevel)
        self.dataBytes = snapshot.data.count
        self.checksum = Checksum.snapshot(snapshot)
    }

    /// The compressed size, for logs and metrics.
    public var compressedBytes: Int { compressed.count }
}
