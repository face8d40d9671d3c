import RaftCore

/// A deterministic simulation of a Paddock cluster: real `RaftNode`s and a small key/value
/// state machine over a simulated clock, network and disks, driven by one seed.
///
/// A run has a safety phase (partitions, message loss, duplication and delay, crashes that
/// lose unsynced writes, restarts, membership changes, leadership transfers, snapshots
/// every few entries) and then a liveness phase with every fault healed, which must elect a
/// leader and commit a write within `SimulationOptions.livenessTicksMax`. Safety checkers
/// run after every event; at the end the clients' history is checked for linearizability
/// and every acknowledged write for exactly-once application.
///
/// All randomness comes from the seed, and no dictionary or set order reaches the run, so
/// `Simulation(seed:).run()` replays a run exactly.
public struct Simulation: Sendable {
    /// The seed that fixes the whole run.
    public let seed: UInt64
    /// The run's limits and settings.
    public let options: SimulationOptions

    var random: SimulationRandom
    var tick = 0
    var events = 0
    /// History time: bumped at every client call and return.
    var clock = 0
    var network = SimulatedNetwork<Message>()
    /// Members by id order; `members[i].id == NodeID(i + 1)`.
    var members: [SimulatedMember]
    let initialMembership: Membership
    var monitor = SafetyMonitor()
    var rareStates = RareStateCounts()
    var faultsOn = true

    // Client workload.
    var clients: [ClientSlot]
    var history: [HistoryOperation<RegisterInput, RegisterOutput>] = []
    var nextOperationID: UInt64 = 1
    var acknowledgedWrites: [UInt64] = []
    var acknowledgedCount = 0
    var acknowledgedInLiveness = 0

    // Rare-state bookkeeping.
    var candidatesByTerm: [Term: [NodeID]] = [:]
    var olderTermUncommittedTerms: Set<Term> = []
    /// The latest membership change proposed: by whom and at which index.
    var pendingConfChange: (leader: NodeID, index: LogIndex)?
    /// Whether the final linearizability search ran out of budget.
    var linearizabilityUnknown = false

    /// A run fixed by `seed`.
    public init(seed: UInt64, options: SimulationOptions = SimulationOptions()) {
        precondition(options.voterCount >= 1 && options.spareCount >= 0, "bad member counts \(options)")
        self.seed = seed
        self.options = options
        self.random = SimulationRandom(seed: seed)
        let voters = (1...UInt64(options.voterCount)).map { NodeID($0) }
        initialMembership = Membership(voters: voters)
        let total = options.voterCount + options.spareCount
        members = (1...UInt64(total)).map {
            SimulatedMember(id: NodeID($0), keyCount: options.keyCount, membership: Membership(voters: voters))
        }
        clients = Array(repeating: ClientSlot(), count: options.clientCount)
        for index in members.indices { start(index) }
    }

    /// Runs both phases and the final checks.
    public mutating func run() -> SimulationOutcome {
        network.faults = NetworkFaults(dropPerMille: 50, duplicatePerMille: 30, delayTicksMin: 1, delayTicksMax: 4)
        while tick < options.safetyTicks && monitor.violations.isEmpty {
            step(withFaults: true)
        }
        if monitor.violations.isEmpty { runLiveness() }
        if monitor.violations.isEmpty { finalChecks() }
        var outcome = SimulationOutcome(
            seed: seed, violation: monitor.violations.first, events: events,
            operations: history.count, acknowledged: acknowledgedCount, rareStates: rareStates)
        outcome.linearizabilityUnknown = linearizabilityUnknown
        return outcome
    }

    /// Heals every fault, restarts every member, and requires a leader and a committed
    /// write within the bound; then lets outstanding client operations finish.
    private mutating func runLiveness() {
        faultsOn = false
        network.heal()
        network.faults = .none
        for index in members.indices where !members[index].isUp { start(index) }
        let startTick = tick
        while tick - startTick < options.livenessTicksMax && acknowledgedInLiveness == 0 && monitor.violations.isEmpty {
            step(withFaults: false)
        }
        guard monitor.violations.isEmpty else { return }
        if acknowledgedInLiveness == 0 {
            let leaders = members.filter(\.isLeader).map(\.id.description).joined(separator: ",")
            monitor.report(.liveness, "no write committed within \(options.livenessTicksMax) ticks after healing (leaders: [\(leaders)])", tick)
            return
        }
        // Drain: no new operations; outstanding ones finish or time out.
        let drainStart = tick
        while tick - drainStart <= options.clientTimeoutTicks && clients.contains(where: { $0.pending != nil }) && monitor.violations.isEmpty {
            step(withFaults: false, newOperations: false)
        }
    }

    /// One tick: maybe a fault, message deliveries, node ticks, client work, disk work.
    mutating func step(withFaults: Bool, newOperations: Bool = true) {
        tick += 1
        if withFaults { maybeInjectFault() }
        for envelope in network.deliverDue(now: tick) {
            let index = Int(envelope.to.rawValue) - 1
            guard members.indices.contains(index), members[index].raft != nil else { continue }
            members[index].raft!.step(envelope.payload)
            afterEvent(index)
            if !monitor.violations.isEmpty { return }
        }
        for index in members.indices where members[index].isUp {
            members[index].raft!.tick()
            afterEvent(index)
        }
        clientsStep(newOperations: newOperations)
        for index in members.indices where members[index].isUp {
            processDisk(index)
            if !monitor.violations.isEmpty { return }
        }
    }

    /// Runs the checkers on member `index` after something happened to it.
    mutating func afterEvent(_ index: Int) {
        events += 1
        guard let raft = members[index].raft else { return }
        let summary = ObservedSummary(
            term: raft.term, role: raft.role, commit: raft.commitIndex, lastIndex: raft.lastIndex,
            lastTerm: raft.term(at: raft.lastIndex))
        if summary == members[index].observed { return }
        members[index].observed = summary
        let status = raft.status
        let first = status.snapshotIndex
        let view = SafetyMonitor.NodeView(
            id: status.id, term: status.term, isLeader: status.role == .leader,
            firstIndex: first, previousTerm: raft.term(at: first) ?? .zero,
            entries: raft.logEntries(from: first.next) ?? [], commit: status.commit)
        let committedBefore = monitor.committedCount
        monitor.observe(view, tick: tick)
        if view.isLeader && monitor.committedCount > committedBefore {
            // The commit was decided under the configuration before this event's changes.
            let voters = members[index].votersSeen.isEmpty ? status.membership.voters : members[index].votersSeen
            checkDurableQuorum(from: committedBefore + 1, through: monitor.committedCount, voters: voters)
        }
        // Raft §5.4.2: a leader commits by counting replicas only entries of its own term.
        if view.isLeader && view.commit > members[index].commitSeen && view.term(at: view.commit) != view.term {
            monitor.report(.commitRule, "leader \(view.id) of term \(view.term) moved its commit to \(view.commit)@\(view.term(at: view.commit) ?? .zero)", tick)
        }
        members[index].votersSeen = status.membership.voters
        members[index].commitSeen = status.commit
        countRareStates(view, role: status.role)
    }

    /// Raft's durability promise: an entry is committed only once a quorum of voters has it
    /// on disk, so no crash of a minority can lose it. Checked when a leader commits.
    private mutating func checkDurableQuorum(from first: Int, through last: Int, voters: [NodeID]) {
        for index in first...last {
            let logIndex = LogIndex(UInt64(index))
            guard let term = monitor.committedTerm(at: logIndex) else { continue }
            var durable = 0
            for voter in voters {
                let position = Int(voter.rawValue) - 1
                guard members.indices.contains(position) else { continue }
                let disk = members[position].disk.durable
                if disk.snapshotIndex >= logIndex
                    || disk.entries.contains(where: { $0.index == logIndex && $0.term == term })
                {
                    durable += 1
                }
            }
            if durable < voters.count / 2 + 1 {
                monitor.report(.committedNotDurable, "\(logIndex)@\(term) committed while on disk at \(durable) of \(voters.count) voters", tick)
                return
            }
        }
    }
}
