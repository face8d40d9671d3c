/// Membership changes, one at a time (thesis §4.1), and leadership transfer (thesis §3.10).
extension RaftNode {
    /// The membership in force at `index` (at least the snapshot index): what a snapshot
    /// taken at `index` must record, even when later changes have committed since.
    public func membership(at index: LogIndex) -> Membership {
        membershipHistory.last { $0.index <= index }?.membership ?? baseMembership
    }

    /// Replays the committed changes of a restored log on top of the base membership.
    mutating func replayMembershipChanges(through index: LogIndex) {
        guard index > log.snapshotIndex else { return }
        for entry in log.slice(log.firstIndex, through: index) where entry.kind == .configChange {
            applyMembershipChange(entry)
        }
    }

    /// Takes a committed membership change into effect on this member.
    mutating func applyMembershipChange(_ entry: LogEntry) {
        guard let change = ConfChange(decoding: entry.data) else {
            preconditionFailure("malformed membership change at \(entry.index): \(entry.data)")
        }
        // A change that no longer applies (proposed twice across leaders) changes nothing.
        guard let next = membership.applying(change) else { return }
        membership = next
        membershipHistory.append((index: entry.index, membership: next))
        guard role == .leader else { return }
        switch change {
        case .addLearner(let id):
            progress[id] = Progress(match: .zero, next: log.lastIndex.next)
            progress[id]!.recentActive = true
            sendAppend(to: id, sendIfEmpty: true)
        case .promoteLearner:
            break
        case .remove(let id):
            if id != config.id { progress[id] = nil }
            if leadTransferee == id { leadTransferee = nil }
        }
    }

    /// Thesis §4.2.2: a leader that committed its own removal steps down; until then it
    /// kept replicating without counting itself.
    mutating func stepDownIfRemoved() {
        guard role == .leader, !membership.isVoter(config.id) else { return }
        becomeFollower(term: term, leader: nil)
    }

    /// Starts handing leadership to `target`: the leader stops taking proposals, brings the
    /// target's log up to date, then tells it to campaign at once. The transfer is
    /// abandoned after an election timeout.
    ///
    /// - Throws: `ProposalError` with `notLeader`/`noLeader` on a non-leader, and
    ///   `invalidTransferTarget` when `target` is this node or not a voter.
    public mutating func transferLeadership(to target: NodeID) throws(ProposalError) {
        guard role == .leader else {
            if let leader {
                throw ProposalError(code: .notLeader, message: "\(config.id) is not the leader", leader: leader)
            }
            throw ProposalError(code: .noLeader, message: "no leader is known in term \(term)")
        }
        guard target != config.id, membership.isVoter(target) else {
            throw ProposalError(code: .invalidTransferTarget, message: "\(target) is not another voter of \(membership)", leader: leader)
        }
        if leadTransferee == target { return }
        leadTransferee = target
        // The transfer must finish within one election timeout (checked in tickLeader).
        electionElapsed = 0
        if progress[target]?.match == log.lastIndex {
            send(Message(kind: .timeoutNow, from: config.id, to: target, term: term))
        } else {
            sendAppend(to: target, sendIfEmpty: true)
        }
    }
}
