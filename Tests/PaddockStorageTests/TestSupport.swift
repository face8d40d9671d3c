import Foundation
import RaftCore

@testable import PaddockStorage

/// Runs `body` with a fresh directory under /tmp and removes the directory afterwards.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    var template = Array("/tmp/paddock-storage-test-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard let made else {
        throw StorageError(code: .io, message: "mkdtemp failed")
    }
    let path = String(cString: made)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Entries `range` in `term`, each carrying a payload that names its index and term.
func makeEntries(_ range: ClosedRange<UInt64>, term: UInt64, kind: EntryKind = .normal) -> [LogEntry] {
    range.map { index in
        LogEntry(term: Term(term), index: LogIndex(index), kind: kind, data: Array("entry \(index) of term \(term)".utf8))
    }
}

/// Repetitive JSON-like text of about `lineCount` lines, as a znode tree would serialize.
func jsonLikeBytes(lineCount: Int) -> [UInt8] {
    var text = "["
    for line in 0..<lineCount {
        text += "{\"path\":\"/services/web/node-\(line)\",\"data\":\"host-\(line % 97).example:\(8000 + line % 13)\","
        text += "\"stat\":{\"version\":\(line % 7),\"ephemeralOwner\":null,\"numChildren\":0}},\n"
    }
    text += "]"
    return Array(text.utf8)
}

/// The path of the database file inside a store directory.
func databasePath(_ directory: String) -> String {
    directory + "/" + LogStore.fileName
}

/// The names in a directory.
func directoryContents(_ path: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: path)
}

/// Replaces the database file with `bytes`.
func overwriteFile(_ path: String, with bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Cuts the file at `path` to `byteCount` bytes.
func truncateFile(_ path: String, to byteCount: Int) throws {
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.truncate(atOffset: UInt64(byteCount))
}

/// The size of the file at `path` in bytes.
func fileSize(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.size] as? NSNumber)?.intValue ?? 0
}

/// The bytes of the file at `path`.
func readFile(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}
