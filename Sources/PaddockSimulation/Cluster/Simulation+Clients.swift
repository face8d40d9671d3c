import RaftCore

/// One simulated client: at most one operation outstanding, as in a Jepsen process.
struct ClientSlot: Sendable {
    /// The outstanding operation, if any.
    var pending: PendingOperation?
}

/// A client operation that has been accepted by a member and not yet answered.
struct PendingOperation: Sendable {
    var operationID: UInt64
    var clientID: Int
    var input: RegisterInput
    var callTime: Int
    /// The member the client is talking to.
    var member: NodeID
    var deadlineTick: Int
    var isRead: Bool { if case .read = input { true } else { false } }
}

/// The client workload: reads (ReadIndex), writes and compare-and-sets on a few keys,
/// recorded as a history for the linearizability checker.
extension Simulation {
    /// Times out overdue operations and, when allowed, starts new ones on idle clients.
    mutating func clientsStep(newOperations: Bool) {
        for client in clients.indices {
            if let pending = clients[client].pending, pending.deadlineTick <= tick {
                finish(client, output: .unknown, known: false)
            }
            if newOperations && clients[client].pending == nil && Int.random(in: 0..<100, using: &random) < 30 {
                startOperation(client)
            }
        }
    }

    /// Picks an operation and a member and submits it; an operation refused outright had
    /// no effect and is not recorded.
    private mutating func startOperation(_ client: Int) {
        let up = members.filter(\.isUp).map(\.id)
        guard !up.isEmpty else { return }
        var target = up[Int.random(in: 0..<up.count, using: &random)]
        let key = Int.random(in: 0..<options.keyCount, using: &random)
        let keyName = "k\(key)"
        let id = nextOperationID
        nextOperationID += 1
        let roll = Int.random(in: 0..<100, using: &random)
        let input: RegisterInput
        let command: KeyValueCommand?
        if roll < 40 {
            input = .read(key: keyName)
            command = nil
        } else if roll < 75 {
            let value = Int.random(in: 0..<5, using: &random)
            input = .write(key: keyName, value: value)
            command = KeyValueCommand(operationID: id, key: key, action: .write(value))
        } else {
            let expected = Int.random(in: 0..<5, using: &random)
            let new = Int.random(in: 0..<5, using: &random)
            input = .compareAndSet(key: keyName, expected: expected, new: new)
            command = KeyValueCommand(operationID: id, key: key, action: .compareAndSet(expected: expected, new: new))
        }
        // Try the chosen member, then the leader it names.
        for _ in 0..<2 {
            let index = Int(target.rawValue) - 1
            guard members[index].raft != nil else { return }
            do {
                if let command {
                    try members[index].raft!.propose(command.encoded)
                } else {
                    try members[index].raft!.readIndex(context: contextBytes(id))
                }
            } catch {
                afterEvent(index)
                if error.code == .notLeader, let leader = error.leader, leader != target {
                    target = leader
                    continue
                }
                return
            }
            clock += 1
            clients[client].pending = PendingOperation(
                operationID: id, clientID: client, input: input, callTime: clock,
                member: target, deadlineTick: tick + options.clientTimeoutTicks)
            afterEvent(index)
            return
        }
    }

    /// A member applied a write: answer its client if the client is waiting on that member.
    mutating func completeWrite(at member: NodeID, operationID: UInt64, output: RegisterOutput) {
        guard let client = clients.firstIndex(where: { $0.pending?.operationID == operationID && $0.pending?.member == member })
        else { return }
        acknowledgedWrites.append(operationID)
        finish(client, output: output, known: true)
    }

    /// Answers the reads of member `index` whose index the state machine has reached.
    mutating func serveReads(_ index: Int) {
        guard let applied = members[index].raft?.appliedIndex else { return }
        var waiting: [ReadState] = []
        for read in members[index].waitingReads {
            guard read.index <= applied else {
                waiting.append(read)
                continue
            }
            let id = operationID(fromContext: read.context)
            guard let client = clients.firstIndex(where: { $0.pending?.operationID == id && $0.pending?.member == members[index].id }),
                case .read(let keyName) = clients[client].pending!.input
            else { continue }
            let key = Int(keyName.dropFirst())!
            if network.isPartitioned { rareStates.readDuringPartition += 1 }
            finish(client, output: .value(members[index].machine.values[key]), known: true)
        }
        members[index].waitingReads = waiting
    }

    /// The member crashed: its clients will never hear back.
    mutating func abandonClientOperations(at member: NodeID) {
        for client in clients.indices where clients[client].pending?.member == member {
            finish(client, output: .unknown, known: false)
        }
    }

    /// Records the client's operation in the history and frees the client. An unanswered
    /// read is left out (it had no effect); an unanswered write has an unknown outcome.
    private mutating func finish(_ client: Int, output: RegisterOutput, known: Bool) {
        guard let pending = clients[client].pending else { return }
        clients[client].pending = nil
        if !known && pending.isRead { return }
        clock += 1
        history.append(HistoryOperation(
            clientID: client, input: pending.input, output: output,
            callTime: pending.callTime, returnTime: known ? clock : nil))
        if known {
            acknowledgedCount += 1
            if !faultsOn && !pending.isRead { acknowledgedInLiveness += 1 }
        }
    }

    private func contextBytes(_ id: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: id >> UInt64(8 * $0)) }
    }

    private func operationID(fromContext bytes: [UInt8]) -> UInt64 {
        guard bytes.count == 8 else { return 0 }
        var id: UInt64 = 0
        for i in 0..<8 { id |= UInt64(bytes[i]) << UInt64(8 * i) }
        return id
    }
}
