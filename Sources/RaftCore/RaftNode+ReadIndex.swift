/// Linearizable reads by ReadIndex (thesis §6.4), batched into heartbeat rounds.
extension RaftNode {
    /// Asks for a linearizable read: once `Ready.readStates` carries `context` with an index,
    /// the read may be served from the state machine after it has applied that index.
    ///
    /// A leader answers only after it has committed an entry of its term and a quorum has
    /// confirmed its leadership in one heartbeat round; reads arriving while a round is out
    /// share the next one. A follower forwards the request to its leader. A request is lost
    /// when leadership changes or the message is lost; callers retry after a timeout.
    ///
    /// - Throws: `ProposalError` with `noLeader` when no leader is known.
    public mutating func readIndex(context: [UInt8]) throws(ProposalError) {
        if role == .leader {
            enqueueRead(ReadIndexQueue.Request(context: context, from: config.id))
            return
        }
        guard let leader else {
            throw ProposalError(code: .noLeader, message: "no leader is known in term \(term)")
        }
        send(Message(kind: .readIndex, from: config.id, to: leader, term: term, context: context))
    }

    mutating func handleForwardedRead(_ m: Message) {
        enqueueRead(ReadIndexQueue.Request(context: m.context, from: m.from))
    }

    mutating func enqueueRead(_ request: ReadIndexQueue.Request) {
        // Thesis §6.4 step 1: until the leader commits an entry of its term it may not know
        // the latest commit index.
        guard committedInCurrentTerm else {
            reads.awaitingCommit.append(request)
            return
        }
        reads.nextRound.append(request)
        if reads.inflight == nil { startReadRound() }
    }

    mutating func releaseReadsAfterFirstCommit() {
        guard !reads.awaitingCommit.isEmpty else { return }
        reads.nextRound.append(contentsOf: reads.awaitingCommit)
        reads.awaitingCommit = []
        if reads.inflight == nil { startReadRound() }
    }

    private mutating func startReadRound() {
        guard !reads.nextRound.isEmpty else { return }
        reads.lastRoundID += 1
        reads.inflight = ReadIndexQueue.Round(
            id: reads.lastRoundID, index: log.committed, requests: reads.nextRound, acks: [config.id])
        reads.nextRound = []
        if !finishReadRoundIfConfirmed() { broadcastHeartbeat() }
    }

    mutating func acknowledgeReadRound(_ id: UInt64, from member: NodeID) {
        guard reads.inflight?.id == id else { return }
        reads.inflight!.acks.insert(member)
        _ = finishReadRoundIfConfirmed()
    }

    /// Releases the in-flight round once a quorum of voters has confirmed it.
    private mutating func finishReadRoundIfConfirmed() -> Bool {
        guard let round = reads.inflight else { return false }
        let confirmed = membership.voters.filter { round.acks.contains($0) }.count
        guard confirmed >= membership.quorum else { return false }
        reads.inflight = nil
        for request in round.requests {
            if request.from == config.id {
                readStates.append(ReadState(index: round.index, context: request.context))
            } else {
                send(Message(kind: .readIndexResponse, from: config.id, to: request.from, term: term,
                             index: round.index, context: request.context))
            }
        }
        startReadRound()
        return true
    }
}

/// A leader's pending linearizable reads.
///
/// Invariant: at most one round is in flight; its `index` is the commit index when it began,
/// and it completes when a quorum of voters answers a heartbeat carrying its `id`.
struct ReadIndexQueue: Sendable {
    struct Request: Sendable {
        var context: [UInt8]
        var from: NodeID
    }

    struct Round: Sendable {
        var id: UInt64
        var index: LogIndex
        var requests: [Request]
        var acks: Set<NodeID>
    }

    /// Reads that arrived before the leader committed an entry of its term.
    var awaitingCommit: [Request] = []
    /// Reads that will share the next round.
    var nextRound: [Request] = []
    /// The round whose heartbeats are out.
    var inflight: Round?
    /// The id of the last round started (0 before any).
    var lastRoundID: UInt64 = 0

    /// The id heartbeats carry: the in-flight round, or 0.
    var inflightRoundID: UInt64 { inflight?.id ?? 0 }
}
