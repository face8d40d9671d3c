/// An operating error from storage: the disk, SQLite or zlib failed, or the stored bytes do
/// not verify.
///
/// Storage never repairs or drops data on its own; a replica that sees one of these errors
/// stops serving rather than answer from state it cannot trust.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; stable, so callers can map it (for example to metrics).
    public enum Code: String, Sendable {
        /// The database file or its directory could not be opened or created.
        case open
        /// Stored bytes fail a checksum, the log has a gap, or SQLite reports a malformed file.
        case corrupt
        /// The operating system reported an I/O failure or a full disk.
        case io
        /// SQLite reported any other failure.
        case sqlite
        /// zlib could not compress or inflate, or the inflated length is not the stored one.
        case compression
        /// The file is a SQLite database but not one this build of Paddock can read.
        case schema
        /// The caller broke the API contract (non-contiguous entries, a closed store, ...).
        case misuse
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence for an operator; names the file and, where relevant, the log index.
    public var message: String
    /// The underlying library's own words (for example SQLite's error message), if any.
    public var cause: String?

    /// An error from its parts.
    public init(code: Code, message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// `storage <code>: <message> (<cause>)`.
    public var description: String {
        if let cause {
            return "storage \(code.rawValue): \(message) (\(cause))"
        }
        return "storage \(code.rawValue): \(message)"
    }
}
