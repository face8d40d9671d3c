import RaftCore

/// Starting, crashing and driving members: the `Ready` loop over the simulated disk.
extension Simulation {
    /// Starts (or restarts) member `index` from what its disk made durable.
    mutating func start(_ index: Int) {
        var member = members[index]
        precondition(member.raft == nil, "starting \(member.id), which is up")
        member.boots += 1
        let durable = member.disk.durable
        let config = RaftConfig(
            id: member.id, electionTimeoutTicks: options.electionTimeoutTicks,
            heartbeatIntervalTicks: options.heartbeatIntervalTicks, messageBytesMax: 64,
            inflightMessagesMax: 4, snapshotChunkBytesMax: 16,
            randomSeed: seed &* 0x9E37_79B9 &+ member.id.rawValue &* 1_000 &+ UInt64(member.boots))
        member.raft = RaftNode(
            config: config, membership: initialMembership,
            restoring: PersistentState(hardState: durable.hardState, snapshot: durable.snapshot, entries: durable.entries))
        member.machine = KeyValueStateMachine(keyCount: options.keyCount)
        member.appliedMembership = initialMembership
        member.snapshotIndex = .zero
        if let snapshot = durable.snapshot {
            member.machine.restore(snapshot.data)
            member.appliedMembership = snapshot.metadata.membership
            member.snapshotIndex = snapshot.metadata.index
        }
        member.persisting = nil
        member.waitingReads = []
        member.votersSeen = []
        member.observed = nil
        member.commitSeen = .zero
        members[index] = member
        monitor.observeRestart(member.id, appliedThrough: member.snapshotIndex)
        events += 1
    }

    /// Crashes member `index`: its unsynced writes are lost, its clients time out.
    mutating func crash(_ index: Int) {
        guard let raft = members[index].raft else { return }
        if raft.role == .leader, let pending = pendingConfChange, pending.leader == members[index].id, raft.commitIndex < pending.index {
            rareStates.membershipChangeInterruptedByLeaderCrash += 1
        }
        members[index].raft = nil
        members[index].disk.crash()
        members[index].persisting = nil
        members[index].waitingReads = []
        abandonClientOperations(at: members[index].id)
        events += 1
    }

    /// Finishes a disk write that is due, then starts the next batch if there is one.
    mutating func processDisk(_ index: Int) {
        for _ in 0..<4 {
            if let persisting = members[index].persisting {
                guard persisting.doneTick <= tick else { return }
                completeReady(index, persisting.ready)
                if !monitor.violations.isEmpty { return }
            }
            guard let raft = members[index].raft, raft.hasReady else { return }
            beginReady(index)
        }
    }

    /// Takes a batch: sends what may go at once and starts writing the rest to disk.
    private mutating func beginReady(_ index: Int) {
        let ready = members[index].raft!.ready()
        send(ready.messages, from: index)
        if let snapshot = ready.snapshot {
            members[index].disk.writeSnapshot(snapshot, index: snapshot.metadata.index, term: snapshot.metadata.term)
        }
        members[index].disk.writeEntries(ready.entries)
        if let hardState = ready.hardState { members[index].disk.writeHardState(hardState) }
        let latency = faultsOn ? Int.random(in: 0...options.diskLatencyTicksMax, using: &random) : 0
        members[index].persisting = (ready, tick + latency)
        if latency == 0 { completeReady(index, ready) }
    }

    /// The batch is durable: send the messages that waited for it, install, apply, serve
    /// reads, advance, and snapshot when enough entries have been applied.
    private mutating func completeReady(_ index: Int, _ ready: Ready) {
        members[index].disk.sync()
        members[index].persisting = nil
        send(ready.messagesAfterPersist, from: index)
        let id = members[index].id
        if let snapshot = ready.snapshot {
            members[index].machine.restore(snapshot.data)
            members[index].appliedMembership = snapshot.metadata.membership
            members[index].snapshotIndex = snapshot.metadata.index
            monitor.observeSnapshotInstalled(id, index: snapshot.metadata.index)
        }
        for entry in ready.committedEntries {
            monitor.observeApplied(id, entry: entry, tick: tick)
            if entry.kind == .configChange, let change = ConfChange(decoding: entry.data),
                let next = members[index].appliedMembership.applying(change)
            {
                members[index].appliedMembership = next
            }
            if let result = members[index].machine.apply(entry) {
                completeWrite(at: id, operationID: result.operationID, output: result.output)
            }
        }
        members[index].waitingReads.append(contentsOf: ready.readStates)
        members[index].raft!.advance(ready)
        serveReads(index)
        afterEvent(index)
        maybeSnapshot(index)
        // A power cut right after a vote left: the reboot must still remember the vote.
        let votedNow = ready.messagesAfterPersist.contains { $0.kind == .voteResponse && !$0.reject }
        if faultsOn && votedNow && Int.random(in: 0..<100, using: &random) < 20 {
            crash(index)
            start(index)
        }
    }

    /// Compacts member `index`'s log once enough entries were applied since its snapshot.
    private mutating func maybeSnapshot(_ index: Int) {
        guard let raft = members[index].raft else { return }
        let applied = raft.appliedIndex
        guard applied.rawValue >= members[index].snapshotIndex.rawValue + UInt64(options.snapshotIntervalEntries),
            let term = raft.term(at: applied)
        else { return }
        let data = members[index].machine.snapshot
        let snapshot = Snapshot(
            metadata: SnapshotMetadata(index: applied, term: term, membership: members[index].appliedMembership), data: data)
        members[index].disk.compact(through: applied, snapshot: snapshot, term: term)
        members[index].raft!.compact(snapshotData: data, through: applied)
        members[index].snapshotIndex = applied
        events += 1
    }

    /// Hands messages to the network, noting snapshots sent to divergent followers.
    private mutating func send(_ messages: [Message], from index: Int) {
        for message in messages {
            if message.kind == .installSnapshot, message.snapshotChunk?.offsetBytes == 0 {
                noteSnapshotSent(to: message.to)
            }
            network.send(from: message.from, to: message.to, payload: message, now: tick, random: &random)
        }
    }
}
