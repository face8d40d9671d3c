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
