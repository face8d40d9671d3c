#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations the store needs, with errors that name the path.
enum FileSystem {
    /// `directory/name`, without doubling a trailing slash.
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Creates `path` and any missing parents, like `mkdir -p`.
    ///
    /// - Throws: `.open` when a component cannot be created or exists but is not a directory.
    static func createDirectory(_ path: String) throws(StorageError) {
        guard !path.isEmpty else {
            throw StorageError(code: .open, message: "the storage directory path is empty")
        }
        var prefix = path.hasPrefix("/") ? "/" : ""
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        for component in components {
            prefix += component
            if mkdir(prefix, 0o755) != 0 {
                let code = errno
                guard code == EEXIST, isDirectory(prefix) else {
                    throw StorageError(
                        code: .open,
                        message: "cannot create directory \(prefix) for storage at \(path)",
                        cause: String(cString: strerror(code))
                    )
                }
            }
            prefix += "/"
        }
    }

    /// Whether `path` names an existing directory (following symbolic links).
    static func isDirectory(_ path: String) -> Bool {
        guard let handle = opendir(path) else { return false }
        closedir(handle)
        return true
    }

    /// Whether anything (a file, a directory, a link) exists at `path`.
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Creates or replaces the file at `path` with `bytes` and makes it durable: the file
    /// is fsynced, then its directory, so the name survives a crash too.
    ///
    /// - Throws: `.io` naming the path when any step fails.
    static func writeDurably(_ path: String, _ bytes: [UInt8], directory: String) throws(StorageError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ioError("cannot create", path) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else {
                let error = ioError("cannot write", path)
                close(descriptor)
                throw error
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            let error = ioError("cannot fsync", path)
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw ioError("cannot close", path) }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else { throw ioError("cannot open directory", directory) }
        defer { close(directoryDescriptor) }
        guard fsync(directoryDescriptor) == 0 else { throw ioError("cannot fsync directory", directory) }
    }

    /// An `.io` error for `doing` on `path`, with the current `errno` as its cause.
    private static func ioError(_ doing: String, _ path: String) -> StorageError {
        StorageError(code: .io, message: "\(doing) \(path)", cause: String(cString: strerror(errno)))
    }

    /// Removes a file if it exists; a missing file is not an error.
    ///
    /// - Throws: `.io` when the file exists and cannot be removed.
    static func removeFile(_ path: String) throws(StorageError) {
        if unlink(path) != 0 && errno != ENOENT {
            throw StorageError(code: .io, message: "cannot remove \(path)", cause: String(cString: strerror(errno)))
        }
    }

    /// Removes an empty directory.
    ///
    /// - Throws: `.io` when it cannot be removed.
    static func removeDirectory(_ path: String) throws(StorageError) {
        if rmdir(path) != 0 {
            throw StorageError(code: .io, message: "cannot remove directory \(path)", cause: String(cString: strerror(errno)))
        }
    }

    /// The process id, to keep scratch names of concurrent processes apart.
    static var processID: Int32 { getpid() }
}
