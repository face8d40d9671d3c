import RaftCore

/// Runs a golden scenario file: blocks of `command`, `----`, expected output, a blank line.
///
/// Commands (ids are member numbers; `all` means every live member):
/// `cluster voters=1,2,3 [learners=4] [election=10] [heartbeat=1] [prevote=true]
/// [checkquorum=true] [bytes=N] [inflight=N] [uncommitted=N] [chunk=N]`,
/// `add-node ID`, `campaign ID`, `tick ID|all [N]`, `process-ready [ID...]`,
/// `deliver [from=ID] [to=ID] [n=N]`, `drop [from=ID] [to=ID]`, `stabilize`,
/// `propose ID DATA`, `propose-conf ID add-learner|promote|remove TARGET`,
/// `read-index ID CONTEXT`, `transfer ID TARGET`, `partition 1,2 3,4`, `isolate ID`,
/// `heal`, `crash ID`, `restart ID`, `compact ID INDEX`, `status [ID...]`, `log ID`,
/// `state`.
struct GoldenScenario {
    struct Block {
        var comments: [String]
        var command: String
        var expected: [String]
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    static func parse(_ text: String) throws -> [Block] {
        var blocks: [Block] = []
        var comments: [String] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        var i = 0
        while i < lines.count {
            let line = lines[i]
            if line.isEmpty { i += 1; continue }
            if line.hasPrefix("#") { comments.append(line); i += 1; continue }
            guard i + 1 < lines.count, lines[i + 1] == "----" else {
                throw ParseError(line: i + 1, message: "command `\(line)` is not followed by ----")
            }
            var expected: [String] = []
            i += 2
            while i < lines.count && !lines[i].isEmpty {
                expected.append(lines[i])
                i += 1
            }
            blocks.append(Block(comments: comments, command: line, expected: expected))
            comments = []
        }
        return blocks
    }

    static func render(_ blocks: [Block]) -> String {
        blocks.map { b in
            (b.comments + [b.command, "----"] + b.expected).joined(separator: "\n")
        }.joined(separator: "\n\n") + "\n"
    }

    var cluster = TestCluster(bootstrap: Membership(voters: []))
    var template = RaftConfig(id: NodeID(1), randomSeed: 0)

    /// Runs one command and returns its output lines.
    mutating func run(_ command: String) -> [String] {
        let words = command.split(separator: " ").map(String.init)
        var positional: [String] = []
        var options: [String: String] = [:]
        for w in words.dropFirst() {
            if let eq = w.firstIndex(of: "=") {
                options[String(w[..<eq])] = String(w[w.index(after: eq)...])
            } else {
                positional.append(w)
            }
        }
        cluster.output = []
        execute(words.first ?? "", positional, options)
        return cluster.output.isEmpty ? ["ok"] : cluster.output
    }

    private func ids(_ text: String) -> [NodeID] {
        text.split(separator: ",").compactMap { UInt64($0) }.map { NodeID($0) }
    }

    private func id(_ text: String?) -> NodeID? { text.flatMap { UInt64($0) }.map { NodeID($0) } }

    private func targets(_ positional: [String]) -> [NodeID] {
        if positional.isEmpty || positional == ["all"] { return cluster.liveIDs }
        return positional.flatMap { ids($0) }
    }

    private mutating func execute(_ verb: String, _ p: [String], _ o: [String: String]) {
        switch verb {
        case "cluster", "add-node", "crash", "restart", "partition", "isolate", "heal":
            shape(verb, p, o)
        case "campaign", "tick", "process-ready", "deliver", "drop", "stabilize", "compact":
            drive(verb, p, o)
        case "propose", "propose-conf", "read-index", "transfer":
            request(verb, p)
        case "status", "log", "state":
            inspect(verb, p)
        default:
            cluster.output.append("unknown command \(verb)")
        }
    }

    /// Commands that build the cluster or change its members and network.
    private mutating func shape(_ verb: String, _ p: [String], _ o: [String: String]) {
        switch verb {
        case "cluster":
            let voters = ids(o["voters"] ?? "")
            let learners = ids(o["learners"] ?? "")
            if let v = o["election"].flatMap(Int.init) { template.electionTimeoutTicks = v }
            if let v = o["heartbeat"].flatMap(Int.init) { template.heartbeatIntervalTicks = v }
            if let v = o["prevote"] { template.preVote = v == "true" }
            if let v = o["checkquorum"] { template.checkQuorum = v == "true" }
            if let v = o["bytes"].flatMap(Int.init) { template.messageBytesMax = v }
            if let v = o["inflight"].flatMap(Int.init) { template.inflightMessagesMax = v }
            if let v = o["uncommitted"].flatMap(Int.init) { template.uncommittedBytesMax = v }
            if let v = o["chunk"].flatMap(Int.init) { template.snapshotChunkBytesMax = v }
            cluster = TestCluster(bootstrap: Membership(voters: voters, learners: learners))
            for member in (voters + learners).sorted() { addNode(member) }
            cluster.output.append(contentsOf: cluster.liveIDs.map { cluster.nodes[$0]!.status.description })
        case "add-node":
            for member in targets(p) { addNode(member) }
            cluster.output.append(contentsOf: targets(p).map { cluster.nodes[$0]!.status.description })
        case "crash":
            for member in targets(p) { cluster.crash(member) }
        case "restart":
            for member in targets(p) { cluster.restart(member) }
        case "partition":
            var groups: [NodeID: Int] = [:]
            for (g, text) in p.enumerated() { for member in ids(text) { groups[member] = g } }
            cluster.groups = groups
        case "isolate":
            let lonely = id(p[0])!
            var groups: [NodeID: Int] = [:]
            for member in cluster.ids { groups[member] = member == lonely ? 1 : 0 }
            cluster.groups = groups
        default:
            cluster.groups = nil
        }
    }

    /// Commands that move time, messages and disks forward.
    private mutating func drive(_ verb: String, _ p: [String], _ o: [String: String]) {
        switch verb {
        case "campaign":
            for member in targets(p) { cluster.nodes[member]?.campaign() }
        case "tick":
            let times = p.count > 1 ? Int(p[1]) ?? 1 : 1
            for member in targets(Array(p.prefix(1))) { cluster.tick(member, times: times) }
        case "process-ready":
            for member in targets(p) { _ = cluster.processReady(member) }
        case "deliver":
            cluster.deliver(from: id(o["from"]), to: id(o["to"]), limit: o["n"].flatMap(Int.init) ?? Int.max)
        case "drop":
            cluster.drop(from: id(o["from"]), to: id(o["to"]))
        case "compact":
            let member = id(p[0])!
            let index = LogIndex(UInt64(p[1])!)
            var node = cluster.nodes[member]!
            let data = TestCluster.encodeState(cluster.applied[member]!)
            node.compact(snapshotData: data, through: index)
            cluster.nodes[member] = node
            let meta = SnapshotMetadata(index: index, term: node.term(at: index) ?? .zero, membership: node.membership)
            cluster.storages[member]!.compact(Snapshot(metadata: meta, data: data))
            cluster.output.append(node.status.description)
        default:
            cluster.stabilize()
        }
    }

    /// Commands that ask a member for something and print its answer.
    private mutating func request(_ verb: String, _ p: [String]) {
        let member = id(p[0])!
        do {
            switch verb {
            case "propose":
                let position = try cluster.nodes[member]!.propose(Array(p[1].utf8))
                cluster.output.append("proposed \(position)")
            case "propose-conf":
                let target = id(p[2])!
                let change: ConfChange = p[1] == "add-learner" ? .addLearner(target)
                    : p[1] == "promote" ? .promoteLearner(target) : .remove(target)
                let position = try cluster.nodes[member]!.proposeConfChange(change)
                cluster.output.append("proposed \(position) \(change)")
            case "read-index":
                try cluster.nodes[member]!.readIndex(context: Array(p[1].utf8))
            default:
                try cluster.nodes[member]!.transferLeadership(to: id(p[1])!)
            }
        } catch {
            cluster.output.append("refused: \(error)")
        }
    }

    /// Commands that print state.
    private mutating func inspect(_ verb: String, _ p: [String]) {
        for member in targets(p) {
            guard let node = cluster.nodes[member] else {
                cluster.output.append("\(member) down")
                continue
            }
            switch verb {
            case "status":
                cluster.output.append(node.status.description)
                for pr in node.status.progress {
                    cluster.output.append("  \(pr.id) \(pr.state.rawValue) match=\(pr.match) next=\(pr.next)\(pr.isLearner ? " learner" : "")")
                }
            case "log":
                let snapshotIndex = node.status.snapshotIndex
                let entries = node.logEntries(from: snapshotIndex.next) ?? []
                let prefix = snapshotIndex > .zero ? ["[snapshot \(snapshotIndex)@\(node.term(at: snapshotIndex)!)]"] : []
                cluster.output.append("\(member) log: \((prefix + entries.map(TestCluster.render)).joined(separator: " "))")
            default:
                cluster.output.append("\(member) state: [\(cluster.applied[member]!.joined(separator: ","))]")
            }
        }
    }

    private mutating func addNode(_ member: NodeID) {
        var config = template
        config.id = member
        config.randomSeed = member.rawValue
        cluster.addNode(config)
    }
}
