import RaftCore

/// A few in-memory members driven by hand: every message waits in `pending` until a
/// command delivers or drops it, so a scenario decides exactly what happens when.
struct TestCluster {
    var bootstrap: Membership
    var configs: [NodeID: RaftConfig] = [:]
    var nodes: [NodeID: RaftNode] = [:]
    var storages: [NodeID: MemoryStorage] = [:]
    /// Each member's state machine: the payloads it applied, in order.
    var applied: [NodeID: [String]] = [:]
    var pending: [Message] = []
    /// Members in different groups cannot reach each other; nil means no partition.
    var groups: [NodeID: Int]?
    var output: [String] = []

    init(bootstrap: Membership) { self.bootstrap = bootstrap }

    var ids: [NodeID] { configs.keys.sorted() }
    var liveIDs: [NodeID] { nodes.keys.sorted() }

    mutating func addNode(_ config: RaftConfig) {
        configs[config.id] = config
        storages[config.id] = MemoryStorage()
        applied[config.id] = []
        nodes[config.id] = RaftNode(config: config, membership: bootstrap)
    }

    /// Stops a member: whatever it had not persisted is gone, and so are messages to it.
    mutating func crash(_ id: NodeID) {
        nodes[id] = nil
        writing[id] = nil
        pending.removeAll { $0.to == id }
        output.append("\(id) crashed")
    }

    /// Starts a member again from its storage; its state machine restarts from the snapshot.
    mutating func restart(_ id: NodeID) {
        let storage = storages[id]!
        nodes[id] = RaftNode(config: configs[id]!, membership: bootstrap, restoring: storage.persistentState)
        applied[id] = storage.snapshot.map { Self.decodeState($0.data) } ?? []
        output.append("\(id) restarted: \(nodes[id]!.status)")
    }

    func canReach(_ from: NodeID, _ to: NodeID) -> Bool {
        guard let groups else { return true }
        return groups[from] == groups[to]
    }

    /// Readies taken but not yet persisted: the disk write is under way.
    var writing: [NodeID: Ready] = [:]

    /// Carries out one member's Ready as a careful driver would, all at once.
    mutating func processReady(_ id: NodeID) -> Bool {
        guard beginReady(id) else { return false }
        finishReady(id)
        return true
    }

    /// Takes a member's Ready and sends what may leave before the disk write finishes.
    mutating func beginReady(_ id: NodeID) -> Bool {
        guard writing[id] == nil, var node = nodes[id], node.hasReady else { return false }
        let rd = node.ready()
        nodes[id] = node
        writing[id] = rd
        pending.append(contentsOf: rd.messages)
        return true
    }

    /// Finishes the disk write of a member's Ready, then sends, applies and advances.
    mutating func finishReady(_ id: NodeID) {
        guard let rd = writing.removeValue(forKey: id), var node = nodes[id] else { return }
        storages[id]!.save(rd)
        pending.append(contentsOf: rd.messagesAfterPersist)
        if let soft = rd.softState {
            output.append("\(id) is \(soft.role.rawValue) term=\(node.term) leader=\(soft.leader.map(\.description) ?? "-")")
        }
        if let s = rd.snapshot {
            applied[id] = Self.decodeState(s.data)
            output.append("\(id) installed snapshot \(s.metadata) \(s.metadata.membership)")
        }
        if !rd.committedEntries.isEmpty {
            for entry in rd.committedEntries where entry.kind == .normal && !entry.data.isEmpty {
                applied[id]!.append(String(decoding: entry.data, as: UTF8.self))
            }
            output.append("\(id) applied \(rd.committedEntries.map(Self.render).joined(separator: " "))")
        }
        for read in rd.readStates {
            output.append("\(id) read ctx=\(String(decoding: read.context, as: UTF8.self)) index=\(read.index)")
        }
        node.advance(rd)
        nodes[id] = node
    }

    /// Delivers (or, across a partition or to a crashed member, drops) pending messages
    /// that match; returns how many were handled.
    @discardableResult
    mutating func deliver(from: NodeID? = nil, to: NodeID? = nil, limit: Int = Int.max) -> Int {
        var handled = 0
        var kept: [Message] = []
        let batch = pending
        pending = []
        for m in batch {
            guard handled < limit, from == nil || m.from == from, to == nil || m.to == to else {
                kept.append(m)
                continue
            }
            handled += 1
            if nodes[m.to] == nil || !canReach(m.from, m.to) {
                output.append("dropped \(m)")
                continue
            }
            output.append(m.description)
            nodes[m.to]!.step(m)
        }
        pending = kept + pending
        return handled
    }

    mutating func drop(from: NodeID? = nil, to: NodeID? = nil) {
        let before = pending.count
        pending.removeAll { (from == nil || $0.from == from) && (to == nil || $0.to == to) }
        output.append("dropped \(before - pending.count) messages")
    }

    /// Processes readies and delivers messages until nothing moves (bounded).
    mutating func stabilize() {
        for _ in 0..<1_000 {
            var moved = !writing.isEmpty
            for id in writing.keys.sorted() { finishReady(id) }
            for id in liveIDs where processReady(id) { moved = true }
            if deliver() > 0 { moved = true }
            if !moved { return }
        }
        preconditionFailure("cluster did not stabilize within 1000 rounds")
    }

    mutating func tick(_ id: NodeID, times: Int) {
        for _ in 0..<times { nodes[id]?.tick() }
    }

    /// The state machine as snapshot bytes.
    static func encodeState(_ state: [String]) -> [UInt8] { Array(state.joined(separator: ",").utf8) }

    static func decodeState(_ bytes: [UInt8]) -> [String] {
        bytes.isEmpty ? [] : String(decoding: bytes, as: UTF8.self).split(separator: ",").map(String.init)
    }

    static func render(_ entry: LogEntry) -> String {
        let body: String
        switch entry.kind {
        case .normal: body = entry.data.isEmpty ? "noop" : String(decoding: entry.data, as: UTF8.self)
        case .configChange: body = ConfChange(decoding: entry.data).map { "conf(\($0))" } ?? "conf(?)"
        }
        return "\(entry.index)@\(entry.term):\(body)"
    }
}
