/// Roles, timers and elections (Raft §5.2, thesis §9.6 PreVote, §6.2 CheckQuorum).
extension RaftNode {
    enum ElectionKind {
        /// PreVote: ask at `term + 1` without bumping the term.
        case preElection
        /// A real election.
        case election
        /// A real election asked for by the leader (TimeoutNow); voters ignore their lease.
        case transfer
    }

    /// Whether this node may ever become leader: only voters campaign.
    var isPromotable: Bool { membership.isVoter(config.id) }

    /// Whether this follower heard from a live leader within the election timeout; while it
    /// has, it ignores vote requests, so a partitioned member cannot disrupt (thesis §4.2.3).
    var inLease: Bool { config.checkQuorum && leader != nil && electionElapsed < config.electionTimeoutTicks }

    mutating func tickElection() {
        electionElapsed += 1
        guard isPromotable, electionElapsed >= randomizedElectionTimeout else { return }
        electionElapsed = 0
        startElection(config.preVote ? .preElection : .election)
    }

    mutating func tickLeader() {
        heartbeatElapsed += 1
        electionElapsed += 1
        if electionElapsed >= config.electionTimeoutTicks {
            electionElapsed = 0
            if config.checkQuorum {
                let active = membership.voters.filter { $0 == config.id || progress[$0]?.recentActive == true }
                if active.count < membership.quorum {
                    becomeFollower(term: term, leader: nil)
                    return
                }
                for id in progress.keys.sorted() where id != config.id { progress[id]!.recentActive = false }
            }
            // A transfer that has not finished within an election timeout is abandoned.
            leadTransferee = nil
        }
        if heartbeatElapsed >= config.heartbeatIntervalTicks {
            heartbeatElapsed = 0
            broadcastHeartbeat()
        }
    }

    /// Clears per-term state; keeps the vote only when the term stays.
    mutating func reset(term newTerm: Term) {
        precondition(newTerm >= term, "term would fall from \(term) to \(newTerm)")
        if newTerm != term {
            term = newTerm
            vote = nil
        }
        leader = nil
        electionElapsed = 0
        heartbeatElapsed = 0
        randomizedElectionTimeout = config.electionTimeoutTicks
            + Int.random(in: 0..<config.electionTimeoutTicks, using: &random)
        votes = [:]
        progress = [:]
        leadTransferee = nil
        pendingConfIndex = .zero
        uncommittedBytes = 0
        reads = ReadIndexQueue()
    }

    mutating func becomeFollower(term newTerm: Term, leader newLeader: NodeID?) {
        reset(term: newTerm)
        role = .follower
        leader = newLeader
    }

    mutating func becomePreCandidate() {
        precondition(role != .leader, "leader \(config.id) cannot become pre-candidate")
        // PreVote changes neither term nor vote, so a failed pre-election leaves no trace.
        role = .preCandidate
        leader = nil
        votes = [:]
    }

    mutating func becomeCandidate() {
        precondition(role != .leader, "leader \(config.id) cannot become candidate")
        reset(term: term.next)
        vote = config.id
        role = .candidate
    }

    mutating func becomeLeader() {
        precondition(role == .candidate, "\(config.id) becoming leader from \(role)")
        reset(term: term)
        role = .leader
        leader = config.id
        let last = log.lastIndex
        for id in membership.members {
            progress[id] = Progress(match: .zero, next: last.next)
        }
        // The leader's own durable prefix counts; the rest counts once `advance` says so.
        _ = progress[config.id]?.maybeUpdate(log.stableIndex)
        progress[config.id]?.becomeReplicate()
        progress[config.id]?.recentActive = true
        // Any membership change still in the log must commit before another is accepted.
        pendingConfIndex = last
        // Raft §5.4.2 / §8: a no-op of the new term lets earlier entries commit.
        _ = appendAsLeader(kind: .normal, data: [])
    }

    mutating func startElection(_ kind: ElectionKind) {
        let voteKind: MessageKind
        let voteTerm: Term
        if kind == .preElection {
            becomePreCandidate()
            voteKind = .preVote
            voteTerm = term.next
        } else {
            becomeCandidate()
            voteKind = .vote
            voteTerm = term
        }
        if recordVote(from: config.id, granted: true) { return }
        for id in membership.voters where id != config.id {
            send(Message(
                kind: voteKind, from: config.id, to: id, term: voteTerm,
                logTerm: log.lastTerm, index: log.lastIndex, leadershipTransfer: kind == .transfer))
        }
    }

    /// Counts a vote; returns true when the election ended (won or lost) because of it.
    mutating func recordVote(from id: NodeID, granted: Bool) -> Bool {
        guard membership.isVoter(id), votes[id] == nil else { return false }
        votes[id] = granted
        let yes = votes.values.filter { $0 }.count
        let no = votes.count - yes
        if yes >= membership.quorum {
            if role == .preCandidate {
                startElection(.election)
            } else {
                becomeLeader()
                broadcastAppend()
            }
            return true
        }
        if no > membership.voters.count - membership.quorum {
            becomeFollower(term: term, leader: nil)
            return true
        }
        return false
    }

    /// Raft §5.2, §5.4.1: one vote per term, only for a log at least as up to date.
    mutating func handleVoteRequest(_ m: Message) {
        let isPre = m.kind == .preVote
        let canVote = vote == m.from
            || (vote == nil && leader == nil)
            || (isPre && m.term > term)
        let responseKind: MessageKind = isPre ? .preVoteResponse : .voteResponse
        if canVote && log.isUpToDate(lastIndex: m.index, lastTerm: m.logTerm) {
            send(Message(kind: responseKind, from: config.id, to: m.from, term: m.term))
            if !isPre {
                electionElapsed = 0
                vote = m.from
            }
        } else {
            send(Message(kind: responseKind, from: config.id, to: m.from, term: term, reject: true))
        }
    }
}
