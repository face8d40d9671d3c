import ZNodeTree

/// Makes random but plausible commands over a small set of paths and sessions, so that
/// successes and every kind of failure all happen often.
struct RandomCommands {
    var rng: SeededGenerator
    private let names = ["a", "b", "c", "s-", "\u{E9}"]

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    mutating func path() -> ZNodePath {
        var path = ZNodePath.root
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            path = path.appending(names.randomElement(using: &rng)!)
        }
        return path
    }

    mutating func session() -> SessionID { SessionID(UInt64.random(in: 1...4, using: &rng)) }

    mutating func version() -> Int64? { Bool.random(using: &rng) ? nil : Int64.random(in: 0...2, using: &rng) }

    mutating func data() -> [UInt8] {
        (0..<Int.random(in: 0...6, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    mutating func create() -> CreateOp {
        // Ephemeral kinds one time in three, so that children of ephemerals are tried often.
        let kind = Int.random(in: 0..<3, using: &rng) == 0
            ? [NodeKind.ephemeral, .ephemeralSequential].randomElement(using: &rng)!
            : NodeKind.allCases.randomElement(using: &rng)!
        return CreateOp(
            path: path(), data: data(), kind: kind,
            session: kind.isEphemeral || Int.random(in: 0..<20, using: &rng) == 0 ? session() : nil,
            ttlMs: kind == .ttl ? Int64.random(in: 1...50, using: &rng) : nil,
            createParents: Int.random(in: 0..<3, using: &rng) == 0)
    }

    mutating func op() -> Op {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: .create(create())
        case 1: .setData(SetDataOp(path: path(), data: data(), expectedVersion: version()))
        case 2: .delete(DeleteOp(path: path(), expectedVersion: version(), recursive: Bool.random(using: &rng)))
        default: .check(CheckOp(path: path(), expectedVersion: version()))
        }
    }

    mutating func command() -> Command {
        switch Int.random(in: 0..<20, using: &rng) {
        case 0..<6: .create(create())
        case 6..<9: .setData(SetDataOp(path: path(), data: data(), expectedVersion: version()))
        case 9..<12: .delete(DeleteOp(path: path(), expectedVersion: version(), recursive: Bool.random(using: &rng)))
        case 12..<14: .multi((0..<Int.random(in: 0...4, using: &rng)).map { _ in op() })
        case 14: .openSession(id: session(), ttlMs: Int64.random(in: 0...5_000, using: &rng))
        case 15: .closeSession(session())
        case 16: .expireSessions((0..<Int.random(in: 0...3, using: &rng)).map { _ in session() })
        case 17: .expireTTLNodes((0..<Int.random(in: 0...3, using: &rng)).map { _ in path() })
        case 18: .noop
        default: .openSession(id: session(), ttlMs: 1_000)
        }
    }

    /// A random entry at `zxid`, with an idempotency key one time in five (keys repeat).
    mutating func entry(zxid: Zxid, timeMs: Int64) -> Entry {
        let key = Int.random(in: 0..<5, using: &rng) == 0 ? "key-\(Int.random(in: 0..<8, using: &rng))" : nil
        return Entry(zxid: zxid, timeMs: timeMs, idempotencyKey: key, command: command())
    }
}
