/// Log replication (Raft §5.3) and the commit rule (Raft §5.4.2).
extension RaftNode {
    /// Refuses a proposal this node cannot take now.
    func checkCanPropose() throws(ProposalError) {
        guard membership.contains(config.id) || role == .leader else {
            throw ProposalError(code: .removed, message: "\(config.id) is not a member")
        }
        guard role == .leader else {
            if let leader {
                throw ProposalError(code: .notLeader, message: "\(config.id) is not the leader", leader: leader)
            }
            throw ProposalError(code: .noLeader, message: "no leader is known in term \(term)")
        }
        guard leadTransferee == nil else {
            throw ProposalError(code: .transferInProgress, message: "leadership is moving to \(leadTransferee!)", leader: leader)
        }
    }

    /// Whether the leader has committed an entry of its own term (its no-op at least).
    var committedInCurrentTerm: Bool { log.term(at: log.committed) == term }

    /// Appends one entry of the current term to the leader's log and starts replicating it.
    mutating func appendAsLeader(kind: EntryKind, data: [UInt8]) -> EntryPosition {
        precondition(role == .leader, "\(config.id) appending as \(role)")
        let entry = LogEntry(term: term, index: log.lastIndex.next, kind: kind, data: data)
        log.append([entry])
        uncommittedBytes += data.count
        progress[config.id]?.next = log.lastIndex.next
        broadcastAppend()
        return EntryPosition(term: entry.term, index: entry.index)
    }

    /// Throws when the uncommitted-bytes bound would be passed by `bytes` more. An empty
    /// backlog always accepts one entry, so a large entry cannot block the leader forever.
    func checkUncommittedBytes(_ bytes: Int) throws(ProposalError) {
        if uncommittedBytes > 0 && uncommittedBytes + bytes > config.uncommittedBytesMax {
            throw ProposalError(
                code: .uncommittedBytesExceeded,
                message: "\(uncommittedBytes) uncommitted bytes plus \(bytes) exceed \(config.uncommittedBytesMax)",
                leader: leader)
        }
    }

    /// Sends every member whatever it is due.
    mutating func broadcastAppend() {
        for id in progress.keys.sorted() where id != config.id {
            _ = sendAppend(to: id, sendIfEmpty: true)
        }
    }

    /// Sends `id` the entries after its `next` (or a snapshot when they are compacted away);
    /// returns whether a message went out.
    @discardableResult
    mutating func sendAppend(to id: NodeID, sendIfEmpty: Bool) -> Bool {
        guard var pr = progress[id], !pr.isPaused(inflightMessagesMax: config.inflightMessagesMax) else { return false }
        let prevIndex = pr.next.previous
        guard let prevTerm = log.term(at: prevIndex),
              let entries = log.entries(from: pr.next, bytesMax: config.messageBytesMax)
        else {
            sendSnapshot(to: id)
            return true
        }
        if entries.isEmpty && !sendIfEmpty { return false }
        pr.sent(lastIndex: entries.last?.index ?? prevIndex, entryCount: entries.count)
        progress[id] = pr
        send(Message(
            kind: .append, from: config.id, to: id, term: term, logTerm: prevTerm, index: prevIndex,
            entries: entries, commit: log.committed))
        return true
    }

    mutating func broadcastHeartbeat() {
        let round = reads.inflightRoundID
        for id in progress.keys.sorted() where id != config.id {
            let pr = progress[id]!
            // Raft §5.3: never tell a follower to commit beyond what is known to match.
            send(Message(kind: .heartbeat, from: config.id, to: id, term: term,
                         commit: min(pr.match, log.committed), readRound: round))
            if pr.state == .snapshot { progress[id]!.transfer!.heartbeatsWithoutAnswer += 1 }
        }
    }

    /// Follower side of AppendEntries (Raft §5.3), with a conflict hint on refusal.
    mutating func handleAppend(_ m: Message) {
        if m.index < log.committed {
            // Everything up to the commit index matches any leader's log (Raft §5.4).
            send(Message(kind: .appendResponse, from: config.id, to: m.from, term: term, index: log.committed))
            return
        }
        if let lastNew = log.maybeAppend(prevIndex: m.index, prevTerm: m.logTerm, entries: m.entries) {
            commit(to: min(m.commit, lastNew))
            send(Message(kind: .appendResponse, from: config.id, to: m.from, term: term, index: lastNew))
        } else {
            let hint = log.conflictHint(index: m.index, term: m.logTerm)
            send(Message(
                kind: .appendResponse, from: config.id, to: m.from, term: term, index: m.index,
                reject: true, hintIndex: hint.index, hintTerm: hint.term))
        }
    }

    mutating func handleHeartbeat(_ m: Message) {
        commit(to: m.commit)
        send(Message(kind: .heartbeatResponse, from: config.id, to: m.from, term: term, readRound: m.readRound))
    }

    mutating func handleAppendResponse(_ m: Message) {
        guard var pr = progress[m.from] else { return }
        pr.recentActive = true
        if m.reject {
            // Fast backtracking: jump to where the logs may agree instead of one by one.
            var hint = m.hintIndex
            if m.hintTerm > .zero { hint = log.conflictHint(index: m.hintIndex, term: m.hintTerm).index }
            if pr.maybeDecrease(rejected: m.index, hint: hint) {
                if pr.state == .replicate { pr.becomeProbe() }
                progress[m.from] = pr
                sendAppend(to: m.from, sendIfEmpty: true)
            } else {
                progress[m.from] = pr
            }
            return
        }
        let wasPaused = pr.isPaused(inflightMessagesMax: config.inflightMessagesMax)
        // A probe answered at the current match also proves the logs agree there.
        let probeConfirmed = pr.state == .probe && pr.match == m.index
        guard pr.maybeUpdate(m.index) || probeConfirmed else {
            progress[m.from] = pr
            return
        }
        if pr.state == .probe { pr.becomeReplicate() }
        progress[m.from] = pr
        if !maybeCommitAndBroadcast() && wasPaused {
            // The follower missed the broadcast while paused; an empty append tells it the commit.
            sendAppend(to: m.from, sendIfEmpty: true)
        }
        // Stream on while the window allows; each call sends one byte-limited batch.
        var batches = 0
        while batches < config.inflightMessagesMax, sendAppend(to: m.from, sendIfEmpty: false) { batches += 1 }
        if m.from == leadTransferee, progress[m.from]?.match == log.lastIndex {
            send(Message(kind: .timeoutNow, from: config.id, to: m.from, term: term))
        }
    }

    mutating func handleHeartbeatResponse(_ m: Message) {
        guard var pr = progress[m.from] else { return }
        pr.recentActive = true
        pr.probeSent = false
        if pr.state == .replicate && pr.isPaused(inflightMessagesMax: config.inflightMessagesMax) {
            pr.freeFirstInflight()
        }
        let resendChunk = pr.state == .snapshot && (pr.transfer?.heartbeatsWithoutAnswer ?? 0) >= 2
        progress[m.from] = pr
        if resendChunk {
            sendSnapshot(to: m.from)
        } else if pr.match < log.lastIndex {
            sendAppend(to: m.from, sendIfEmpty: true)
        }
        if m.readRound != 0 { acknowledgeReadRound(m.readRound, from: m.from) }
    }

    /// Raft §5.4.2: commits the highest index a quorum holds, but only if its entry is of the
    /// current term; earlier entries then commit with it. Returns whether the commit moved.
    @discardableResult
    mutating func maybeCommitAndBroadcast() -> Bool {
        let matches = membership.voters.map { progress[$0]?.match ?? .zero }.sorted(by: >)
        guard !matches.isEmpty else { return false }
        let quorumIndex = matches[membership.quorum - 1]
        guard quorumIndex > log.committed, log.term(at: quorumIndex) == term else { return false }
        commit(to: quorumIndex)
        if role == .leader { broadcastAppend() }
        stepDownIfRemoved()
        return true
    }

    /// Raises the commit index and interprets what became committed: membership changes,
    /// the leader's uncommitted-bytes account and reads waiting for the first commit.
    mutating func commit(to index: LogIndex) {
        let old = log.committed
        guard index > old else { return }
        log.commit(to: index)
        for entry in log.slice(max(old.next, log.firstIndex), through: index) {
            if entry.kind == .configChange { applyMembershipChange(entry) }
            if role == .leader && entry.term == term { uncommittedBytes = max(0, uncommittedBytes - entry.data.count) }
        }
        if role == .leader && committedInCurrentTerm { releaseReadsAfterFirstCommit() }
    }
}
