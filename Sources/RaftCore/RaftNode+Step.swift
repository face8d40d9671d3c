/// The entry point for peers' messages: the term rules first (Raft §5.1), then per role.
extension RaftNode {
    /// Feeds a message from a peer into the node. Messages to other nodes, from unknown
    /// terms or for the wrong role are ignored, as the network may deliver anything late,
    /// twice or never.
    public mutating func step(_ m: Message) {
        guard m.to == config.id, m.from != config.id else { return }
        guard admitByTerm(m) else { return }
        switch m.kind {
        case .preVote, .vote:
            handleVoteRequest(m)
        case .preVoteResponse:
            if role == .preCandidate { _ = recordVote(from: m.from, granted: !m.reject) }
        case .voteResponse:
            if role == .candidate { _ = recordVote(from: m.from, granted: !m.reject) }
        case .append, .heartbeat, .installSnapshot:
            guard role != .leader else { return }  // Two leaders of one term cannot exist.
            if role != .follower { becomeFollower(term: term, leader: m.from) }
            electionElapsed = 0
            leader = m.from
            switch m.kind {
            case .append: handleAppend(m)
            case .heartbeat: handleHeartbeat(m)
            default: handleSnapshotChunk(m)
            }
        case .appendResponse:
            if role == .leader { handleAppendResponse(m) }
        case .heartbeatResponse:
            if role == .leader { handleHeartbeatResponse(m) }
        case .installSnapshotResponse:
            if role == .leader { handleSnapshotResponse(m) }
        case .readIndex:
            if role == .leader { handleForwardedRead(m) }
        case .readIndexResponse:
            if role != .leader && !m.reject { readStates.append(ReadState(index: m.index, context: m.context)) }
        case .timeoutNow:
            // Thesis §3.10: the transfer target campaigns at once, skipping PreVote.
            if role != .leader && isPromotable { startElection(.transfer) }
        }
    }

    /// Applies the term rules; returns false when the message must go no further.
    private mutating func admitByTerm(_ m: Message) -> Bool {
        if m.term > term {
            if m.kind == .preVote || m.kind == .vote {
                // Thesis §4.2.3: while a leader is live, a higher-term request is ignored,
                // unless the leader itself asked for the election.
                if !m.leadershipTransfer && inLease { return false }
            }
            switch m.kind {
            case .preVote:
                return true  // PreVote never changes the term.
            case .preVoteResponse where !m.reject:
                return true  // A granted pre-vote carries the term the candidate asked for.
            case .append, .heartbeat, .installSnapshot:
                becomeFollower(term: m.term, leader: m.from)
                return true
            default:
                becomeFollower(term: m.term, leader: nil)
                return true
            }
        }
        if m.term < term {
            let fromLeader = m.kind == .append || m.kind == .heartbeat || m.kind == .installSnapshot
            if fromLeader && (config.checkQuorum || config.preVote) {
                // A stale leader would never learn the new term otherwise: with PreVote and
                // CheckQuorum nobody bumps its term by asking for votes (etcd does the same).
                send(Message(kind: .appendResponse, from: config.id, to: m.from, term: term))
            } else if m.kind == .preVote {
                send(Message(kind: .preVoteResponse, from: config.id, to: m.from, term: term, reject: true))
            }
            return false
        }
        return true
    }

    /// Queues an outgoing message: a leader's replication traffic may leave before its own
    /// write is durable; everything else promises durable state and waits (see `Ready`).
    mutating func send(_ m: Message) {
        precondition(m.to != config.id, "\(config.id) sending \(m.kind) to itself")
        let replication: Set<MessageKind> = [.append, .heartbeat, .installSnapshot, .timeoutNow, .readIndexResponse]
        if role == .leader && replication.contains(m.kind) {
            messages.append(m)
        } else {
            messagesAfterPersist.append(m)
        }
    }
}
