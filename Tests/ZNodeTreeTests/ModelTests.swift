import Testing
import ZNodeTree

/// A deliberately naive second implementation of the tree's rules: a flat dictionary,
/// children found by scanning, no indexes. Random histories must give the same outcomes
/// and the same content in both.
struct NaiveModel {
    struct Node: Equatable {
        var data: [UInt8]
        var version: Int64 = 0
        var kind: NodeKind = .persistent
        var owner: SessionID?
        var ttlMs: Int64?
        var mtimeMs: Int64 = 0
        var sequenceNext: Int64 = 0
        var hadChild = false
    }

    var nodes: [String: Node] = ["/": Node(data: [])]
    var sessions: Set<SessionID> = []

    static func parent(_ path: String) -> String? {
        guard path != "/" else { return nil }
        let head = path[..<path.lastIndex(of: "/")!]
        return head.isEmpty ? "/" : String(head)
    }

    func children(_ path: String) -> [String] { nodes.keys.filter { NaiveModel.parent($0) == path } }

    /// The outcome as text: "created PATH", "ok", or "fail CODE".
    mutating func apply(_ command: Command, timeMs: Int64) -> String {
        switch command {
        case .create(let op): return create(op, timeMs)
        case .setData(let op): return setData(op, timeMs)
        case .delete(let op): return delete(op)
        case .multi(let ops):
            var work = self
            for (index, op) in ops.enumerated() {
                let outcome: String
                switch op {
                case .create(let op): outcome = work.create(op, timeMs)
                case .setData(let op): outcome = work.setData(op, timeMs)
                case .delete(let op): outcome = work.delete(op)
                case .check(let op): outcome = work.versionProblem(op.path.string, op.expectedVersion) ?? "ok"
                case .fence(let op): preconditionFailure("random histories hold no fence ops, got \(op)")
                }
                if outcome.hasPrefix("fail") { return "\(outcome) at \(index)" }
            }
            self = work
            return "multi \(ops.count)"
        case .openSession(let id, let ttlMs):
            guard ttlMs > 0, !sessions.contains(id) else { return "fail BadArguments" }
            sessions.insert(id)
            return "ok"
        case .closeSession(let id):
            guard sessions.contains(id) else { return "fail SessionExpired" }
            end(id)
            return "ok"
        case .expireSessions(let ids):
            for id in Set(ids).sorted() where sessions.contains(id) { end(id) }
            return "ok"
        case .expireTTLNodes(let paths):
            let ordered = Set(paths.map(\.string)).sorted {
                let depths = ($0.split(separator: "/").count, $1.split(separator: "/").count)
                return depths.0 != depths.1 ? depths.0 > depths.1 : $0.utf8.lexicographicallyPrecedes($1.utf8)
            }
            for path in ordered {
                guard let node = nodes[path], node.kind == .ttl, children(path).isEmpty,
                    node.mtimeMs + node.ttlMs! <= timeMs
                else { continue }
                remove(path)
            }
            return "ok"
        case .noop:
            return "ok"
        }
    }

    private mutating func create(_ op: CreateOp, _ timeMs: Int64) -> String {
        let path = op.path.string
        if (op.kind == .ttl) != (op.ttlMs != nil) || (op.ttlMs ?? 1) <= 0 { return "fail BadArguments" }
        if op.kind.isEphemeral {
            guard let session = op.session else { return "fail BadArguments" }
            guard sessions.contains(session) else { return "fail SessionExpired" }
        } else if op.session != nil {
            return "fail BadArguments"
        }
        guard let parent = NaiveModel.parent(path) else { return op.kind.isSequential ? "fail BadArguments" : "fail NodeExists" }
        var missing: [String] = []
        var existing = parent
        while nodes[existing] == nil {
            guard op.createParents else { return "fail NoNode" }
            missing.insert(existing, at: 0)
            existing = NaiveModel.parent(existing)!
        }
        var final = path
        if op.kind.isSequential {
            let counter = String(missing.isEmpty ? nodes[parent]!.sequenceNext : 0)
            final += String(repeating: "0", count: max(0, 10 - counter.count)) + counter
        }
        if missing.isEmpty && nodes[final] != nil { return "fail NodeExists" }
        if nodes[existing]!.kind.isEphemeral { return "fail NoChildrenForEphemerals" }
        for ancestor in missing {
            nodes[ancestor] = Node(data: [], mtimeMs: timeMs)
            nodes[NaiveModel.parent(ancestor)!]!.hadChild = true
        }
        nodes[final] = Node(data: op.data, kind: op.kind, owner: op.session, ttlMs: op.ttlMs, mtimeMs: timeMs)
        nodes[parent]!.hadChild = true
        if op.kind.isSequential { nodes[parent]!.sequenceNext += 1 }
        return "created \(final)"
    }

    private func versionProblem(_ path: String, _ expected: Int64?) -> String? {
        guard let node = nodes[path] else { return "fail NoNode" }
        if let expected, expected != node.version { return "fail BadVersion" }
        return nil
    }

    private mutating func setData(_ op: SetDataOp, _ timeMs: Int64) -> String {
        if let problem = versionProblem(op.path.string, op.expectedVersion) { return problem }
        nodes[op.path.string]!.data = op.data
        nodes[op.path.string]!.version += 1
        nodes[op.path.string]!.mtimeMs = timeMs
        return "ok"
    }

    private mutating func delete(_ op: DeleteOp) -> String {
        let path = op.path.string
        if path == "/" { return "fail BadArguments" }
        if let problem = versionProblem(path, op.expectedVersion) { return problem }
        if !children(path).isEmpty && !op.recursive { return "fail NotEmpty" }
        for key in nodes.keys where key.hasPrefix(path + "/") { nodes[key] = nil }
        remove(path)
        return "ok"
    }

    /// Removes a childless node, then empty containers above it that had a child.
    private mutating func remove(_ path: String) {
        nodes[path] = nil
        var current = NaiveModel.parent(path)!
        while current != "/", let node = nodes[current], node.kind == .container, node.hadChild, children(current).isEmpty {
            nodes[current] = nil
            current = NaiveModel.parent(current)!
        }
    }

    private mutating func end(_ id: SessionID) {
        for path in nodes.keys.filter({ nodes[$0]?.owner == id }) { remove(path) }
        sessions.remove(id)
    }
}

@Suite struct ModelTests {
    static func outcome(_ result: ApplyResult) -> String {
        switch result {
        case .created(let path, _): "created \(path)"
        case .multi(let results): "multi \(results.count)"
        case .failed(let error): "fail \(error.code.rawValue)" + (error.opIndex.map { " at \($0)" } ?? "")
        default: "ok"
        }
    }

    /// Path → data, version, kind, owner, read through the public API.
    static func content(_ tree: ZNodeTree) -> [String: String] {
        var found: [String: String] = [:]
        var pending: [ZNodePath] = [.root]
        while let path = pending.popLast(), found.count <= tree.nodeCount {
            guard let node = tree.node(at: path) else { break }
            found[path.string] = "\(node.data) v\(node.stat.version) \(node.stat.kind) \(node.stat.ephemeralOwner.map(\.description) ?? "-")"
            pending.append(contentsOf: (tree.children(of: path) ?? []).map { path.appending($0) })
        }
        return found
    }

    static func content(_ model: NaiveModel) -> [String: String] {
        model.nodes.mapValues { "\($0.data) v\($0.version) \($0.kind) \($0.owner.map(\.description) ?? "-")" }
    }

    @Test(arguments: [21, 22, 23] as [UInt64])
    func treeAgreesWithNaiveModel(_ seed: UInt64) {
        var commands = RandomCommands(seed: seed)
        var tree = ZNodeTree()
        var model = NaiveModel()
        var timeMs: Int64 = 0
        var outcomes: Set<String> = []
        for index in 1...1_500 {
            timeMs += Int64.random(in: 0...20, using: &commands.rng)
            let command = commands.command()
            let actual = ModelTests.outcome(tree.apply(Entry(zxid: Zxid(UInt64(index)), timeMs: timeMs, command: command)).result)
            let expected = model.apply(command, timeMs: timeMs)
            #expect(actual == expected, "entry \(index): \(command)")
            #expect(tree.sessionCount == model.sessions.count)
            outcomes.insert(String(actual.prefix(while: { $0 != "/" })))
        }
        #expect(ModelTests.content(tree) == ModelTests.content(model))
        // The history reached every kind of outcome, or the comparison proves little.
        for code in ["NoNode", "NodeExists", "BadVersion", "NotEmpty", "NoChildrenForEphemerals", "SessionExpired", "BadArguments"] {
            #expect(outcomes.contains { $0.contains(code) }, "\(code) never happened")
        }
    }
}
