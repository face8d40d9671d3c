import ZNodeTree

/// A valid path from a literal; traps on a typo in a test.
func p(_ text: String) -> ZNodePath {
    do {
        return try ZNodePath(validating: text)
    } catch {
        preconditionFailure("bad test path \(text): \(error)")
    }
}

/// Bytes of a UTF-8 literal.
func b(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A tree with a clock and a log position, for applying commands one line at a time.
struct Harness {
    var tree: ZNodeTree
    var nextZxid: UInt64 = 1
    var timeMs: Int64 = 1_000

    init(limits: ZNodeTree.Limits = .init()) {
        tree = ZNodeTree(limits: limits)
    }

    /// Applies `command` as the next entry, `advanceMs` after the previous one.
    @discardableResult
    mutating func apply(_ command: Command, key: String? = nil, advanceMs: Int64 = 1) -> ApplyOutput {
        timeMs += advanceMs
        let entry = Entry(zxid: Zxid(nextZxid), timeMs: timeMs, idempotencyKey: key, command: command)
        nextZxid += 1
        return tree.apply(entry)
    }

    @discardableResult
    mutating func create(
        _ path: String, _ data: String = "", kind: NodeKind = .persistent, session: SessionID? = nil,
        ttlMs: Int64? = nil, parents: Bool = false
    ) -> ApplyResult {
        apply(.create(CreateOp(
            path: p(path), data: b(data), kind: kind, session: session, ttlMs: ttlMs, createParents: parents))).result
    }

    @discardableResult
    mutating func delete(_ path: String, version: Int64? = nil, recursive: Bool = false) -> ApplyResult {
        apply(.delete(DeleteOp(path: p(path), expectedVersion: version, recursive: recursive))).result
    }

    @discardableResult
    mutating func set(_ path: String, _ data: String, version: Int64? = nil) -> ApplyResult {
        apply(.setData(SetDataOp(path: p(path), data: b(data), expectedVersion: version))).result
    }

    @discardableResult
    mutating func openSession(_ id: UInt64, ttlMs: Int64 = 10_000) -> ApplyResult {
        apply(.openSession(id: SessionID(id), ttlMs: ttlMs)).result
    }
}

extension ApplyResult {
    /// The error code when failed, else nil.
    var errorCode: ErrorCode? {
        if case .failed(let error) = self { return error.code }
        return nil
    }

    /// The created path when a create succeeded, else nil.
    var createdPath: String? {
        if case .created(let path, _) = self { return path.string }
        return nil
    }
}

/// SplitMix64: a small seeded generator so random tests replay exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
