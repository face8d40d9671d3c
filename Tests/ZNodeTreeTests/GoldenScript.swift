import ZNodeTree

/// Runs the golden-file language: one command per line, each producing text lines.
///
/// Commands (options are `name=value` words; text has no spaces):
///   open ID TTL · close ID · expire ID... · expire-ttl PATH... · noop · tick MS
///   create PATH [data=T] [kind=K] [session=ID] [ttl=MS] [parents]
///   set PATH DATA [version=N] · delete PATH [version=N] [recursive]
///   multi OP ; OP ; ...   (OP is create, set, delete or check PATH [version=N])
///   get PATH · ls PATH · sessions · ttl-due MS   (reads, no entry)
/// Any entry command takes `key=K` for an idempotency key. Entries get the next zxid and
/// a clock 1 ms later than the previous one (`tick` moves the clock further).
struct GoldenScript {
    var tree = ZNodeTree(limits: .init(idempotencyRetentionMs: 1_000, idempotencyKeysMax: 3))
    var zxid: UInt64 = 0
    var timeMs: Int64 = 1_000

    mutating func run(_ line: String) -> [String] {
        var words = line.split(separator: " ").map(String.init)
        guard !words.isEmpty else { return ["error: empty command"] }
        let key = words.first { $0.hasPrefix("key=") }.map { String($0.dropFirst(4)) }
        words.removeAll { $0.hasPrefix("key=") }
        let verb = words.removeFirst()
        switch verb {
        case "get":
            guard let node = tree.node(at: p(words[0])) else { return ["none"] }
            return ["\(text(node.data)) \(render(node.stat))"]
        case "ls":
            return [tree.children(of: p(words[0])).map { "[" + $0.joined(separator: " ") + "]" } ?? "none"]
        case "sessions":
            return tree.sessions.map { "\($0.id) ttl=\($0.ttlMs) [\($0.ephemerals.map(\.string).joined(separator: " "))]" }
        case "ttl-due":
            return ["[" + tree.expiredTTLNodes(asOfMs: Int64(words[0])!).map(\.string).joined(separator: " ") + "]"]
        case "tick":
            timeMs += Int64(words[0])!
            return []
        default:
            guard let command = parseCommand(verb, words) else { return ["error: cannot parse \(line)"] }
            zxid += 1
            timeMs += 1
            let output = tree.apply(Entry(zxid: Zxid(zxid), timeMs: timeMs, idempotencyKey: key, command: command))
            return ["zxid=\(zxid) \(render(output.result))"] + output.events.map { "  " + render($0) }
        }
    }

    private func parseCommand(_ verb: String, _ words: [String]) -> Command? {
        switch verb {
        case "open": return .openSession(id: SessionID(hex: words[0])!, ttlMs: Int64(words[1])!)
        case "close": return .closeSession(SessionID(hex: words[0])!)
        case "expire": return .expireSessions(words.map { SessionID(hex: $0)! })
        case "expire-ttl": return .expireTTLNodes(words.map(p))
        case "noop": return .noop
        case "multi":
            let parts = words.split(separator: ";").map(Array.init)
            var ops: [Op] = []
            for part in parts {
                guard let op = parseOp(part[0], Array(part.dropFirst())) else { return nil }
                ops.append(op)
            }
            return .multi(ops)
        default:
            guard let op = parseOp(verb, words) else { return nil }
            switch op {
            case .create(let create): return .create(create)
            case .setData(let set): return .setData(set)
            case .delete(let delete): return .delete(delete)
            case .check, .fence: return nil
            }
        }
    }

    private func parseOp(_ verb: String, _ words: [String]) -> Op? {
        var options: [String: String] = [:]
        for word in words.dropFirst() {
            let pieces = word.split(separator: "=", maxSplits: 1).map(String.init)
            options[pieces[0]] = pieces.count > 1 ? pieces[1] : ""
        }
        let path = p(words[0])
        let version = options["version"].flatMap { Int64($0) }
        switch verb {
        case "create":
            return .create(CreateOp(
                path: path, data: b(options["data"] ?? ""), kind: NodeKind(rawValue: options["kind"] ?? "persistent")!,
                session: options["session"].flatMap { SessionID(hex: $0) }, ttlMs: options["ttl"].flatMap { Int64($0) },
                createParents: options["parents"] != nil))
        case "set": return .setData(SetDataOp(path: path, data: b(words[1]), expectedVersion: version))
        case "delete": return .delete(DeleteOp(path: path, expectedVersion: version, recursive: options["recursive"] != nil))
        case "check": return .check(CheckOp(path: path, expectedVersion: version))
        case "fence": return .fence(FenceOp(directory: path, token: Zxid(UInt64(options["token"] ?? "") ?? 0)))
        default: return nil
        }
    }

    private func text(_ data: [UInt8]) -> String {
        String(validating: data, as: UTF8.self).map { $0.debugDescription } ?? "0x" + data.map { String($0, radix: 16) }.joined()
    }

    private func render(_ stat: Stat) -> String {
        var parts = [
            "c\(stat.czxid)", "m\(stat.mzxid)", "p\(stat.pzxid)", "t\(stat.ctimeMs)/\(stat.mtimeMs)",
            "v\(stat.version)", "cv\(stat.cversion)", "len\(stat.dataLength)", "n\(stat.numChildren)", stat.kind.rawValue,
        ]
        if let owner = stat.ephemeralOwner { parts.append("owner=\(owner)") }
        if let ttlMs = stat.ttlMs { parts.append("ttl=\(ttlMs)") }
        return "[" + parts.joined(separator: " ") + "]"
    }

    private func render(_ result: ApplyResult) -> String {
        switch result {
        case .created(let path, let stat): return "created \(path) \(render(stat))"
        case .setData(let stat): return "set \(render(stat))"
        case .deleted(let paths): return "deleted " + paths.map(\.string).joined(separator: " ")
        case .multi(let results): return "multi " + results.map(render).joined(separator: " ; ")
        case .sessionOpened(let id, let ttlMs): return "session-opened \(id) ttl=\(ttlMs)"
        case .sessionClosed(let paths): return "session-closed [" + paths.map(\.string).joined(separator: " ") + "]"
        case .sessionsExpired(let ids): return "sessions-expired [" + ids.map(\.description).joined(separator: " ") + "]"
        case .ttlNodesExpired(let paths): return "ttl-expired [" + paths.map(\.string).joined(separator: " ") + "]"
        case .noop: return "noop"
        case .failed(let error):
            let op = error.opIndex.map { " op=\($0)" } ?? ""
            return "failed \(error.code.rawValue) \(error.path?.string ?? "-")\(op): \(error.message)"
        }
    }

    private func render(_ result: OpResult) -> String {
        switch result {
        case .created(let path, let stat): return "created \(path) \(render(stat))"
        case .setData(let stat): return "set \(render(stat))"
        case .deleted(let path): return "deleted \(path)"
        case .checked: return "checked"
        }
    }

    private func render(_ event: WatchEvent) -> String {
        var line = "\(event.type.rawValue) \(event.path)"
        if let stat = event.stat { line += " " + render(stat) }
        if let data = event.data { line += " data=" + text(data) }
        precondition(event.zxid == Zxid(zxid), "event \(event.zxid) in entry \(zxid)")
        return line
    }
}
