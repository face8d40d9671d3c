import Dispatch
import Foundation
import Logging
import PaddockStorage
import RaftCore
import ZNodeTree

/// The thread that owns a cluster member's Raft node, log and tree (see `ClusterReplica`).
///
/// `@unchecked Sendable` is safe because, once `startThread()` is called, every stored
/// property is touched only by that thread; what it shares goes through `replica.shared`.
final class ClusterDriver: @unchecked Sendable {
    /// What recovery rebuilt from the log.
    struct Recovered {
        var node: RaftNode
        var tree: ZNodeTree
        var applied: ClusterAppliedState
        var snapshotIndex: LogIndex
    }

    /// A waiter for the entry at an index: answered when it applies (with its term) or
    /// failed when another term's entry lands there.
    enum Waiter {
        case proposal(term: Term, reply: @Sendable (Result<Committed, ReplicaError>) -> Void)
        case keepAlive(term: Term, replies: [(SessionID, @Sendable (Result<Int64, ReplicaError>) -> Void)])
        case control(term: Term, reply: @Sendable (Result<Void, ClusterError>) -> Void)
        case silent(term: Term)
    }

    struct PendingRead {
        var deadlineMs: Int64
        var reply: @Sendable (Result<TreeView, ReplicaError>) -> Void
    }

    struct ForwardedOut {
        var deadlineMs: Int64
        /// The member it was sent to.
        var leader: MemberName
        /// The request as it came in, to forward again if the member asked no longer leads.
        var input: ClusterInput
        var reply: @Sendable (ForwardReply) -> Void
    }

    let replica: ClusterReplica
    let log: any ReplicaLog
    let link: any PeerNetwork
    var node: RaftNode
    var tree: ZNodeTree
    var applied: ClusterAppliedState
    var snapshotIndex: LogIndex
    var snapshotInFlight = false
    var options: ClusterOptions { replica.options }
    var logger: Logger { replica.logger }
    let selfID: NodeID
    var namesByID: [NodeID: MemberName] = [:]

    var waiters: [LogIndex: [Waiter]] = [:]
    /// When the waiters at each index give up (the first one's request deadline): an
    /// entry that may never apply here (a deposed leader's suffix, or one a snapshot from
    /// the new leader jumped over) must still be answered.
    var waiterDeadlines: [LogIndex: Int64] = [:]
    var keepAliveBatch: [(SessionID, @Sendable (Result<Int64, ReplicaError>) -> Void)] = []
    var newReads: [PendingRead] = []
    var readsByContext: [UInt64: (issuedMs: Int64, reads: [PendingRead])] = [:]
    var readsAwaitingApply: [(index: LogIndex, reads: [PendingRead])] = []
    /// The leader's answers to forwarded writes, held until this member has applied the
    /// write too, so its client reading this member next sees it.
    var forwardAnswersAwaitingApply: [(zxid: Zxid, give: () -> Void)] = []
    var nextReadContext = UInt64.random(in: 1...(UInt64.max >> 1))
    var forwardedOut: [UInt64: ForwardedOut] = [:]
    var nextForwardID: UInt64 = 1
    /// Requests waiting for a leader to be known (or, after a `notLeader` answer, for a
    /// short pause before they are forwarded again).
    var parked: [(input: ClusterInput, notBeforeMs: Int64)] = []
    var transferWaiters: [(deadlineMs: Int64, reply: @Sendable (Result<Void, ClusterError>) -> Void)] = []
    /// Session deadlines, kept only while leading.
    var sessions = SessionDeadlines()
    var ttlExpiryPendingIndex: LogIndex = .zero
    var lastTimeMs: Int64
    var nextTickMs: Int64
    var nextExpiryMs: Int64
    var readyIndex: LogIndex?
    var wasLeader = false
    /// Whether this leader has taken over session deadlines (once caught up).
    var sessionsAdopted = false
    /// Answers to applied entries, given once the tree that holds them is published, so a
    /// caller that reads this member after its write sees it.
    var afterPublish: [() -> Void] = []
    /// Watch events of the entries applied in this `Ready`, published together.
    var appliedEvents: [WatchEvent] = []
    /// Batches recorded in the watch hub, delivered to the watchers after the answers.
    var pendingDeliveries: [PendingDelivery] = []

    init(replica: ClusterReplica, log: any ReplicaLog, link: any PeerNetwork, recovered: Recovered) {
        self.replica = replica
        self.selfID = replica.options.selfName.nodeID
        self.log = log
        self.link = link
        self.node = recovered.node
        self.tree = recovered.tree
        self.applied = recovered.applied
        self.snapshotIndex = recovered.snapshotIndex
        self.lastTimeMs = max(0, recovered.tree.newestEntryTimeMs)
        let now = ReplicaClock.monotonicMs()
        self.nextTickMs = now
        self.nextExpiryMs = now
    }

    // MARK: Recovery

    /// Reads the log back: the snapshot envelope (directory, keepalive times, tree) and the
    /// Raft state; committed entries after the snapshot are applied by the first `Ready`.
    static func recover(log: some ReplicaLog, options: ClusterOptions) throws(ReplicaError) -> Recovered {
        let stored: RecoveredState
        do {
            stored = try log.recover()
        } catch {
            throw ReplicaError(code: .storage, message: "cannot recover the log: \(error)")
        }
        var tree = ZNodeTree(limits: options.replica.treeLimits)
        var applied = ClusterAppliedState(directory: options.peers)
        var snapshot: Snapshot?
        var snapshotIndex = LogIndex.zero
        if let record = stored.snapshot {
            do {
                let (state, treeBytes) = try ClusterAppliedState.restore(record.data)
                tree = try ZNodeTree(snapshot: treeBytes)
                applied = state
                let membership = try Membership(decoding: record.configuration)
                snapshot = Snapshot(
                    metadata: SnapshotMetadata(index: record.index, term: record.term, membership: membership),
                    data: record.data)
            } catch {
                throw ReplicaError(code: .storage, message: "the snapshot at \(record.index) does not decode: \(error)")
            }
            guard tree.lastApplied.rawValue == record.index.rawValue else {
                throw ReplicaError(
                    code: .storage, message: "the snapshot at \(record.index) holds a tree applied through \(tree.lastApplied)")
            }
            snapshotIndex = record.index
        }
        let bootstrap: Membership
        if options.joining {
            bootstrap = Membership(voters: options.peers.keys.filter { $0 != options.selfName }.map(\.nodeID))
        } else {
            bootstrap = Membership(voters: options.peers.keys.map(\.nodeID))
        }
        var config = RaftConfig(id: options.selfName.nodeID, randomSeed: UInt64.random(in: 1...UInt64.max))
        config.electionTimeoutTicks = options.electionTimeoutTicks
        config.heartbeatIntervalTicks = options.heartbeatIntervalTicks
        config.snapshotChunkBytesMax = 512 * 1_024
        let node = RaftNode(
            config: config, membership: bootstrap,
            restoring: PersistentState(hardState: stored.hardState, snapshot: snapshot, entries: stored.entries))
        return Recovered(node: node, tree: tree, applied: applied, snapshotIndex: snapshotIndex)
    }

    func startThread() {
        rebuildNames()
        replica.shared.withLock { state in
            state.directory = applied.directory
        }
        link.setPeers(peerAddresses())
        let thread = Thread { [self] in self.run() }
        thread.name = "paddock-raft"
        thread.start()
    }

    // MARK: Loop

    func run() {
        while true {
            let (inputs, phase) = replica.shared.withLock { state -> ([ClusterInput], ClusterShared.Phase) in
                let inputs = state.inbox
                state.inbox.removeAll(keepingCapacity: true)
                return (inputs, state.phase)
            }
            if case .failed = phase {
                finish()
                return
            }
            if phase == .stopping {
                drainForStop(inputs)
                finish()
                return
            }
            let now = ReplicaClock.monotonicMs()
            var ticks = 0
            while now >= nextTickMs && ticks < 10 {
                node.tick()
                nextTickMs += Int64(options.tickMs)
                ticks += 1
            }
            if now >= nextTickMs { nextTickMs = now + Int64(options.tickMs) }
            for input in inputs { handle(input, nowMs: now) }
            retryParked(nowMs: now)
            flushKeepAlives()
            flushReads(nowMs: now)
            if now >= nextExpiryMs {
                proposeExpiries(nowMs: now)
                sweepDeadlines(nowMs: now)
                sweepWaiters(nowMs: now)
                nextExpiryMs = now + Int64(options.replica.expiryTickMs)
            }
            var rounds = 0
            while node.hasReady && rounds < 4 {
                guard processReady() else {
                    finish()
                    return
                }
                rounds += 1
            }
            storeFinishedSnapshot()
            startSnapshotIfDue()
            publish()
            let answers = afterPublish
            afterPublish.removeAll(keepingCapacity: true)
            for answer in answers { answer() }
            let deliveries = pendingDeliveries
            pendingDeliveries.removeAll(keepingCapacity: true)
            for delivery in deliveries { replica.watchHub.deliver(delivery) }
            if !node.hasReady { waitForWork() }
        }
    }

    private func waitForWork() {
        let idle = replica.shared.withLock { state -> Bool in
            guard state.inbox.isEmpty, state.finishedSnapshot == nil, state.phase == .serving else { return false }
            state.workerIdle = true
            return true
        }
        guard idle else { return }
        let waitMs = max(1, nextTickMs - ReplicaClock.monotonicMs())
        _ = replica.wake.wait(timeout: .now() + .milliseconds(Int(waitMs)))
        replica.shared.withLock { $0.workerIdle = false }
    }

    // MARK: Inputs

    private var leaderName: MemberName? {
        guard let leader = node.leader else { return nil }
        return name(of: leader)
    }

    func name(of id: NodeID) -> MemberName? {
        if id == selfID { return options.selfName }
        return namesByID[id]
    }

    /// Every known member's name by node id: the applied directory, then the bootstrap
    /// peers for names it does not hold (yet).
    private func rebuildNames() {
        var names: [NodeID: MemberName] = [:]
        for name in options.peers.keys { names[name.nodeID] = name }
        for name in applied.directory.keys { names[name.nodeID] = name }
        namesByID = names
    }

    private func handle(_ input: ClusterInput, nowMs: Int64) {
        switch input {
        case .frame(let peer, let frame):
            handleFrame(frame, from: peer, nowMs: nowMs)
        case .read(let deadline, let reply):
            newReads.append(PendingRead(deadlineMs: deadline, reply: reply))
        case .propose(let entry, let deadline, let reply):
            if node.role == .leader {
                proposeLocally(entry, reply: reply)
            } else if let leader = leaderName {
                forward(.propose(entry: entry.encoded()), to: leader, input: input, deadlineMs: deadline) { answer in
                    switch answer {
                    case .committed(let zxid, let bytes):
                        if let result = try? ApplyResult(decoding: bytes) {
                            reply(.success(Committed(zxid: zxid, result: result)))
                        } else {
                            reply(.failure(ReplicaError(code: .unavailable, message: "the leader's answer did not decode")))
                        }
                    case .failed(let code, let message):
                        reply(.failure(ReplicaError(code: ReplicaError.Code(rawValue: code) ?? .unavailable, message: message, retryAfterSeconds: 1)))
                    default:
                        reply(.failure(ReplicaError(code: .unavailable, message: "the leader answered out of turn")))
                    }
                }
            } else {
                parked.append((input, 0))
            }
        case .keepAlive(let id, let deadline, let reply):
            if node.role == .leader {
                keepAliveBatch.append((id, reply))
            } else if let leader = leaderName {
                forward(.keepAlive(id), to: leader, input: input, deadlineMs: deadline) { answer in
                    switch answer {
                    case .remainingMs(let ms): reply(.success(ms))
                    case .failed(let code, let message):
                        reply(.failure(ReplicaError(code: ReplicaError.Code(rawValue: code) ?? .unavailable, message: message, retryAfterSeconds: 1)))
                    default: reply(.failure(ReplicaError(code: .unavailable, message: "the leader answered out of turn")))
                    }
                }
            } else {
                parked.append((input, 0))
            }
        case .control(let request, let deadline, let reply):
            if node.role == .leader {
                controlLocally(request, deadlineMs: deadline, reply: reply)
            } else if let leader = leaderName {
                forward(request, to: leader, input: input, deadlineMs: deadline) { answer in
                    switch answer {
                    case .done: reply(.success(()))
                    case .failed(let code, let message):
                        reply(.failure(ClusterError(code: ClusterError.Code(rawValue: code) ?? .unavailable, message: message)))
                    default: reply(.failure(ClusterError(code: .unavailable, message: "the leader answered out of turn")))
                    }
                }
            } else {
                parked.append((input, 0))
            }
        }
    }

    private func handleFrame(_ frame: PeerFrame, from peer: MemberName, nowMs: Int64) {
        switch frame {
        case .hello:
            break
        case .raft(let message):
            guard message.to == selfID, Self.isWellFormed(message) else { return }
            node.step(message)
        case .forward(let requestID, let payload):
            let respond: @Sendable (ForwardReply) -> Void = { [link] answer in
                link.send(.forwardReply(requestID: requestID, payload: answer.encoded), to: peer)
            }
            guard let request = try? ForwardRequest(decoding: payload) else {
                respond(.failed(code: ReplicaError.Code.unavailable.rawValue, message: "the forwarded request did not decode"))
                return
            }
            guard node.role == .leader else {
                respond(.failed(code: ForwardReply.notLeaderCode, message: "\(options.selfName) is no longer the leader; retry"))
                return
            }
            let deadline = nowMs + options.requestWaitMs
            switch request {
            case .propose(let bytes):
                guard let entry = try? Entry(decoding: bytes, zxid: .zero) else {
                    respond(.failed(code: ReplicaError.Code.unavailable.rawValue, message: "the forwarded entry did not decode"))
                    return
                }
                proposeLocally(entry) { outcome in
                    switch outcome {
                    case .success(let committed): respond(.committed(zxid: committed.zxid, result: committed.result.encoded()))
                    case .failure(let error): respond(.failed(code: error.code.rawValue, message: error.message))
                    }
                }
            case .keepAlive(let id):
                keepAliveBatch.append((id, { outcome in
                    switch outcome {
                    case .success(let ms): respond(.remainingMs(ms))
                    case .failure(let error): respond(.failed(code: error.code.rawValue, message: error.message))
                    }
                }))
            default:
                controlLocally(request, deadlineMs: deadline) { outcome in
                    switch outcome {
                    case .success: respond(.done)
                    case .failure(let error): respond(.failed(code: error.code.rawValue, message: error.message))
                    }
                }
            }
        case .forwardReply(let requestID, let payload):
            guard let waiting = forwardedOut.removeValue(forKey: requestID) else { return }
            if let answer = try? ForwardReply(decoding: payload) {
                if case .failed(ForwardReply.notLeaderCode, _) = answer, waiting.deadlineMs > nowMs {
                    // Asked a member that just lost leadership: ask the new leader once
                    // this member has heard of it (a pause of one heartbeat between tries).
                    parked.append((waiting.input, nowMs + Int64(options.heartbeatIntervalMs)))
                    return
                }
                if case .committed(let zxid, _) = answer, zxid.rawValue > node.appliedIndex.rawValue {
                    forwardAnswersAwaitingApply.append((zxid, { waiting.reply(answer) }))
                    return
                }
                waiting.reply(answer)
            } else {
                waiting.reply(.failed(code: ReplicaError.Code.unavailable.rawValue, message: "the leader's answer did not decode"))
            }
        }
    }

    /// Requests forwarded to a member that no longer leads will not be answered (it may be
    /// dead): answer them now with "outcome unknown", so their clients retry (with their
    /// Idempotency-Key) at once instead of waiting out the request deadline.
    private func failForwardsToFormerLeaders() {
        let current = leaderName
        for (id, waiting) in forwardedOut where waiting.leader != current {
            forwardedOut[id] = nil
            waiting.reply(.failed(
                code: ReplicaError.Code.unavailable.rawValue,
                message: "the leader changed while \(waiting.leader) had the request; its outcome is unknown, "
                    + "retry (with the same Idempotency-Key)"))
        }
    }

    /// Whether a peer's message has the shape RaftCore relies on: appended entries follow
    /// `index` one by one without overflowing. A malformed message from a buggy or
    /// mismatched peer is dropped rather than allowed to stop this member.
    static func isWellFormed(_ message: Message) -> Bool {
        var expected = message.index.rawValue
        for entry in message.entries {
            guard expected < UInt64.max else { return false }
            expected += 1
            guard entry.index.rawValue == expected else { return false }
        }
        return true
    }

    private func forward(
        _ request: ForwardRequest, to leader: MemberName, input: ClusterInput, deadlineMs: Int64,
        reply: @escaping @Sendable (ForwardReply) -> Void
    ) {
        let id = nextForwardID
        nextForwardID += 1
        forwardedOut[id] = ForwardedOut(deadlineMs: deadlineMs, leader: leader, input: input, reply: reply)
        link.send(.forward(requestID: id, payload: request.encoded), to: leader)
    }

    private func retryParked(nowMs: Int64) {
        guard !parked.isEmpty, node.leader != nil else { return }
        let waiting = parked
        parked.removeAll()
        for (input, notBeforeMs) in waiting {
            if notBeforeMs > nowMs {
                parked.append((input, notBeforeMs))
            } else {
                handle(input, nowMs: nowMs)
            }
        }
    }

    // MARK: Leader work

    private func wait(_ waiter: Waiter, at index: LogIndex) {
        waiters[index, default: []].append(waiter)
        if waiterDeadlines[index] == nil {
            waiterDeadlines[index] = ReplicaClock.monotonicMs() + options.requestWaitMs
        }
    }

    /// Answers, with "outcome unknown", the waiters whose entry can no longer apply here
    /// (this member stopped leading and its log no longer holds the entry of their term)
    /// or whose deadline passed.
    private func sweepWaiters(nowMs: Int64) {
        guard !waiters.isEmpty else { return }
        let isLeader = node.role == .leader
        for index in waiters.keys.sorted() {
            guard let list = waiters[index] else { continue }
            let term = list.first.map(Self.term(of:)) ?? .zero
            let replaced = !isLeader && (index > node.lastIndex || node.term(at: index).map { $0 != term } ?? false)
            let expired = (waiterDeadlines[index] ?? .max) <= nowMs
            guard replaced || expired else { continue }
            waiters[index] = nil
            waiterDeadlines[index] = nil
            let reason = replaced
                ? "the write at \(index) was replaced after a leader change; retry (with the same Idempotency-Key)"
                : "the write at \(index) did not commit within \(options.requestWaitMs) ms and may still apply; "
                    + "retry (with the same Idempotency-Key)"
            answer(list, term: .zero, index: index, committed: nil, failure: unavailable(reason))
        }
    }

    /// Answers every waiter at or below `index`: a snapshot from the leader jumped over
    /// their entries, so whether they applied is unknown here.
    private func failWaiters(through index: LogIndex) {
        for at in waiters.keys.sorted() where at <= index {
            let list = waiters.removeValue(forKey: at) ?? []
            waiterDeadlines[at] = nil
            answer(list, term: .zero, index: at, committed: nil, failure: unavailable(
                "this member installed a snapshot past the write at \(at); its outcome is unknown, "
                    + "retry (with the same Idempotency-Key)"))
        }
    }

    private static func term(of waiter: Waiter) -> Term {
        switch waiter {
        case .proposal(let term, _), .keepAlive(let term, _), .control(let term, _), .silent(let term): return term
        }
    }

    private func unavailable(_ message: String) -> ReplicaError {
        ReplicaError(code: .unavailable, message: message, retryAfterSeconds: 1)
    }

    private func proposeLocally(_ proposed: Entry, reply: @escaping @Sendable (Result<Committed, ReplicaError>) -> Void) {
        if let key = proposed.idempotencyKey, let prior = tree.idempotentResult(forKey: key) {
            reply(.success(Committed(zxid: prior.zxid, result: prior.result)))
            return
        }
        if case .openSession = proposed.command, tree.sessionCount >= options.replica.sessionsMax {
            reply(.failure(ReplicaError(
                code: .tooManySessions, message: "\(options.replica.sessionsMax) sessions are already open", retryAfterSeconds: 1)))
            return
        }
        guard waiters.count < options.replica.pendingProposalsMax else {
            reply(.failure(unavailable("too many proposals are pending (at most \(options.replica.pendingProposalsMax)); retry shortly")))
            return
        }
        lastTimeMs = max(lastTimeMs, ReplicaClock.wallMs())
        let entry = Entry(zxid: .zero, timeMs: lastTimeMs, idempotencyKey: proposed.idempotencyKey, command: proposed.command)
        do {
            let position = try node.propose(entry.encoded())
            wait(.proposal(term: position.term, reply: reply), at: position.index)
            if case .closeSession(let id) = entry.command { sessions.beginEnd(id) }
        } catch {
            reply(.failure(unavailable("the leader refused the write: \(error.message)")))
        }
    }

    /// A leader that has committed an entry of its term and applied everything committed:
    /// its tree knows every session, and its keepalive times are the replicated ones.
    /// Until then it neither refuses a keepalive for an unknown session nor expires any.
    private var isCaughtUpLeader: Bool {
        node.role == .leader && node.appliedIndex >= node.commitIndex && node.term(at: node.commitIndex) == node.term
    }

    private func flushKeepAlives() {
        guard !keepAliveBatch.isEmpty else { return }
        if node.role == .leader && !isCaughtUpLeader { return }
        let batch = keepAliveBatch
        keepAliveBatch.removeAll()
        guard node.role == .leader else {
            for (_, reply) in batch { reply(.failure(unavailable("leadership changed; retry the keepalive"))) }
            return
        }
        var live: [(SessionID, @Sendable (Result<Int64, ReplicaError>) -> Void)] = []
        for (id, reply) in batch {
            guard tree.session(id) != nil, sessions.sessions[id]?.phase != .ending else {
                reply(.failure(ReplicaError(code: .sessionExpired, message: "session \(id) is unknown or expired")))
                continue
            }
            live.append((id, reply))
        }
        guard !live.isEmpty else { return }
        lastTimeMs = max(lastTimeMs, ReplicaClock.wallMs())
        let ids = Array(Set(live.map(\.0))).sorted()
        let record = ClusterRecord.keepAlive(timeMs: lastTimeMs, sessions: ids)
        do {
            let position = try node.propose(record.encoded)
            wait(.keepAlive(term: position.term, replies: live), at: position.index)
        } catch {
            for (_, reply) in live { reply(.failure(unavailable("the leader refused the keepalive: \(error.message)"))) }
        }
    }

    private func controlLocally(_ request: ForwardRequest, deadlineMs: Int64, reply: @escaping @Sendable (Result<Void, ClusterError>) -> Void) {
        let membership = node.status.membership
        func member(_ name: MemberName) -> NodeID? {
            membership.contains(name.nodeID) ? name.nodeID : nil
        }
        do throws(ProposalError) {
            switch request {
            case .addLearner(let name, let address):
                if membership.contains(name.nodeID) {
                    reply(.failure(ClusterError(code: .badRequest, message: "\(name) is already a member")))
                    return
                }
                if let other = applied.directory.keys.first(where: { $0.nodeID == name.nodeID && $0 != name }) {
                    reply(.failure(ClusterError(code: .badRequest, message: "\(name) and \(other) map to the same node id; pick another name")))
                    return
                }
                if let user = applied.directory.first(where: { $0.value == address && $0.key != name && membership.contains($0.key.nodeID) }) {
                    reply(.failure(ClusterError(code: .badRequest, message: "\(address) is already the peer address of \(user.key)")))
                    return
                }
                // The change first: when Raft refuses it (a change pending, a leader not
                // ready), nothing is appended, and no directory record is left behind for a
                // member that never joined. The directory record follows at once; until it
                // applies, messages to the learner are dropped and resent.
                let position = try node.proposeConfChange(.addLearner(name.nodeID))
                let directory = try node.propose(ClusterRecord.directory(name: name, peerAddress: address).encoded)
                wait(.silent(term: directory.term), at: directory.index)
                wait(.control(term: position.term, reply: reply), at: directory.index)
            case .promote(let name):
                guard let id = member(name) else {
                    reply(.failure(ClusterError(code: .notFound, message: "\(name) is not a member")))
                    return
                }
                guard membership.isLearner(id) else {
                    reply(.failure(ClusterError(code: .badRequest, message: "\(name) is already a voter")))
                    return
                }
                let match = node.status.progress.first { $0.id == id }?.match ?? .zero
                guard match.rawValue + 1_000 >= node.lastIndex.rawValue, match > .zero || node.lastIndex == .zero else {
                    reply(.failure(ClusterError(code: .badRequest, message: "\(name) has not caught up (at \(match) of \(node.lastIndex)); retry shortly")))
                    return
                }
                let position = try node.proposeConfChange(.promoteLearner(id))
                wait(.control(term: position.term, reply: reply), at: position.index)
            case .remove(let name):
                guard let id = member(name) else {
                    reply(.failure(ClusterError(code: .notFound, message: "\(name) is not a member")))
                    return
                }
                let position = try node.proposeConfChange(.remove(id))
                wait(.control(term: position.term, reply: reply), at: position.index)
            case .transfer(let name):
                let target: NodeID
                if let name {
                    guard let id = member(name), membership.isVoter(id) else {
                        reply(.failure(ClusterError(code: .notFound, message: "\(name) is not a voter")))
                        return
                    }
                    target = id
                } else {
                    let candidates = node.status.progress.filter { $0.id != selfID && !$0.isLearner }
                    guard let best = candidates.max(by: { $0.match < $1.match }) else {
                        reply(.failure(ClusterError(code: .badRequest, message: "there is no other voter to lead")))
                        return
                    }
                    target = best.id
                }
                if target == selfID {
                    reply(.success(()))
                    return
                }
                try node.transferLeadership(to: target)
                transferWaiters.append((min(deadlineMs, ReplicaClock.monotonicMs() + Int64(4 * options.electionTimeoutMs)), reply))
            default:
                reply(.failure(ClusterError(code: .badRequest, message: "not a membership request")))
            }
        } catch {
            let code: ClusterError.Code
            switch error.code {
            case .invalidConfChange, .invalidTransferTarget, .configChangePending: code = .badRequest
            default: code = .unavailable
            }
            reply(.failure(ClusterError(code: code, message: error.message)))
        }
    }

    private func proposeExpiries(nowMs: Int64) {
        guard isCaughtUpLeader else { return }
        if !sessionsAdopted {
            adoptSessionsAsLeader(nowMs: nowMs)
            sessionsAdopted = true
        }
        let expired = sessions.takeExpired(nowMs: nowMs)
        lastTimeMs = max(lastTimeMs, ReplicaClock.wallMs())
        if !expired.isEmpty {
            let entry = Entry(zxid: .zero, timeMs: lastTimeMs, idempotencyKey: nil, command: .expireSessions(expired))
            if let position = try? node.propose(entry.encoded()) {
                wait(.silent(term: position.term), at: position.index)
            } else {
                for id in expired { sessions.adopt(id, ttlMs: tree.session(id)?.ttlMs ?? 0, deadlineMs: nowMs) }
            }
        }
        if ttlExpiryPendingIndex <= node.appliedIndex {
            let nodes = tree.expiredTTLNodes(asOfMs: lastTimeMs)
            if !nodes.isEmpty {
                let entry = Entry(zxid: .zero, timeMs: lastTimeMs, idempotencyKey: nil, command: .expireTTLNodes(nodes))
                if let position = try? node.propose(entry.encoded()) {
                    ttlExpiryPendingIndex = position.index
                }
            }
        }
    }

    /// A new leader's session deadlines: the replicated time of each session's last
    /// keepalive plus its TTL, plus one election timeout for clock skew and the time a
    /// keepalive took to commit. Never more than that margin past a full TTL from now.
    private func adoptSessionsAsLeader(nowMs: Int64) {
        sessions.removeAll()
        let wallMs = ReplicaClock.wallMs()
        let marginMs = Int64(options.electionTimeoutMs)
        for info in tree.sessions {
            let last = applied.lastKeepAliveMs[info.id] ?? wallMs
            let remaining = min(info.ttlMs + marginMs, max(0, last + info.ttlMs - wallMs + marginMs))
            sessions.adopt(info.id, ttlMs: info.ttlMs, deadlineMs: nowMs + remaining)
        }
    }

    // MARK: Reads

    private func flushReads(nowMs: Int64) {
        // Rounds that got no answer (lost in a leader change) are asked again.
        let retryAfterMs = Int64(options.electionTimeoutMs)
        for (context, round) in readsByContext where nowMs - round.issuedMs > retryAfterMs {
            readsByContext[context] = nil
            newReads.append(contentsOf: round.reads)
        }
        guard !newReads.isEmpty else { return }
        let context = nextReadContext
        var bytes: [UInt8] = []
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: context >> UInt64(shift))) }
        do {
            try node.readIndex(context: bytes)
            nextReadContext += 1
            readsByContext[context] = (nowMs, newReads)
            newReads.removeAll()
        } catch {
            // No leader: the reads wait (until their deadline) for one.
        }
    }

    private func serveReadStates(_ states: [ReadState]) {
        for state in states {
            guard state.context.count == 8 else { continue }
            var context: UInt64 = 0
            for i in 0..<8 { context |= UInt64(state.context[i]) << UInt64(8 * i) }
            guard let round = readsByContext.removeValue(forKey: context) else { continue }
            readsAwaitingApply.append((state.index, round.reads))
        }
    }

    private func releaseReads() {
        if !forwardAnswersAwaitingApply.isEmpty {
            let appliedZxid = Zxid(rawValue: node.appliedIndex.rawValue)
            var later: [(zxid: Zxid, give: () -> Void)] = []
            for held in forwardAnswersAwaitingApply {
                if held.zxid <= appliedZxid { afterPublish.append(held.give) } else { later.append(held) }
            }
            forwardAnswersAwaitingApply = later
        }
        guard !readsAwaitingApply.isEmpty else { return }
        let appliedIndex = node.appliedIndex
        let view = TreeView(tree: tree)
        var remaining: [(index: LogIndex, reads: [PendingRead])] = []
        for entry in readsAwaitingApply {
            if entry.index <= appliedIndex {
                for read in entry.reads { read.reply(.success(view)) }
            } else {
                remaining.append(entry)
            }
        }
        readsAwaitingApply = remaining
    }

    private func sweepDeadlines(nowMs: Int64) {
        let timeout = unavailable("no answer from the cluster within \(options.requestWaitMs) ms (no leader, or it is unreachable)")
        newReads.removeAll { read in
            guard read.deadlineMs <= nowMs else { return false }
            read.reply(.failure(timeout))
            return true
        }
        for (context, round) in readsByContext {
            let (expired, live) = (round.reads.filter { $0.deadlineMs <= nowMs }, round.reads.filter { $0.deadlineMs > nowMs })
            for read in expired { read.reply(.failure(timeout)) }
            readsByContext[context] = live.isEmpty ? nil : (round.issuedMs, live)
        }
        for (id, waiting) in forwardedOut where waiting.deadlineMs <= nowMs {
            forwardedOut[id] = nil
            waiting.reply(.failed(code: ReplicaError.Code.unavailable.rawValue, message: timeout.message))
        }
        parked.removeAll { entry in
            guard entry.input.deadlineMs <= nowMs else { return false }
            entry.input.refuse(with: timeout)
            return true
        }
        transferWaiters.removeAll { waiter in
            guard waiter.deadlineMs <= nowMs else { return false }
            waiter.reply(.failure(ClusterError(code: .unavailable, message: "the leadership transfer did not finish in time")))
            return true
        }
    }

    // MARK: Ready

    /// Persists, sends, applies and advances one `Ready`; false when storage failed.
    private func processReady() -> Bool {
        let ready = node.ready()
        send(ready.messages)
        if let snapshot = ready.snapshot {
            guard installSnapshot(snapshot) else { return false }
        }
        if ready.hardState != nil || !ready.entries.isEmpty {
            do {
                try log.save(hardState: ready.hardState, entries: ready.entries)
            } catch {
                fail(ReplicaError(code: .storage, message: "the log write failed, the member stopped serving: \(error)"))
                return false
            }
        }
        send(ready.messagesAfterPersist)
        for entry in ready.committedEntries { apply(entry) }
        if !ready.committedEntries.isEmpty {
            // Before the answers and the readers' tree: a client that watches from the zxid
            // of its write sees the write's events.
            pendingDeliveries.append(
                replica.watchHub.record(events: appliedEvents, appliedZxid: tree.lastApplied, tree: tree))
            appliedEvents.removeAll(keepingCapacity: true)
        }
        serveReadStates(ready.readStates)
        node.advance(ready)
        if let soft = ready.softState { leadershipChanged(to: soft) }
        releaseReads()
        return true
    }

    private func send(_ messages: [Message]) {
        for message in messages {
            guard let peer = name(of: message.to) else { continue }
            link.send(.raft(message), to: peer)
        }
    }

    private func leadershipChanged(to soft: SoftState) {
        let isLeader = soft.role == .leader
        if isLeader && !wasLeader {
            sessionsAdopted = false
            logger.info("leading", metadata: ["term": "\(node.term)"])
        } else if !isLeader && wasLeader {
            sessions.removeAll()
            let batch = keepAliveBatch
            keepAliveBatch.removeAll()
            for (_, reply) in batch { reply(.failure(unavailable("leadership changed; retry the keepalive"))) }
        }
        wasLeader = isLeader
        failForwardsToFormerLeaders()
        if let leader = soft.leader, leader != selfID, !transferWaiters.isEmpty {
            let waiting = transferWaiters
            transferWaiters.removeAll()
            for waiter in waiting { waiter.reply(.success(())) }
        }
        if readyIndex == nil, soft.leader != nil {
            readyIndex = node.commitIndex
        }
    }

    private func installSnapshot(_ snapshot: Snapshot) -> Bool {
        do {
            let (state, treeBytes) = try ClusterAppliedState.restore(snapshot.data)
            let restored = try ZNodeTree(snapshot: treeBytes)
            // Level 1: the driver compresses this one itself (it arrived from the leader), so
            // it takes the fastest level rather than block ticks and heartbeats on level 6.
            try log.saveSnapshot(PreparedSnapshot(
                SnapshotRecord(
                    index: snapshot.metadata.index, term: snapshot.metadata.term,
                    configuration: snapshot.metadata.membership.encoded, data: snapshot.data),
                compressionLevel: 1))
            tree = restored
            applied = state
            snapshotIndex = snapshot.metadata.index
            lastTimeMs = max(lastTimeMs, tree.newestEntryTimeMs)
            failWaiters(through: snapshot.metadata.index)
            directoryChanged()
            // Watchers of this member would miss the changes the snapshot jumped over: they
            // end (`reset`) and resume with Last-Event-ID or `initial`.
            replica.watchHub.reset(tree: tree)
            logger.info("snapshot installed", metadata: ["index": "\(snapshot.metadata.index)"])
            return true
        } catch {
            fail(ReplicaError(code: .storage, message: "installing the snapshot at \(snapshot.metadata.index) failed: \(error)"))
            return false
        }
    }

    // MARK: Apply

    private func apply(_ logEntry: LogEntry) {
        let zxid = Zxid(rawValue: logEntry.index.rawValue)
        let answers = waiters.removeValue(forKey: logEntry.index) ?? []
        waiterDeadlines[logEntry.index] = nil
        switch logEntry.kind {
        case .configChange:
            applyNoop(zxid)
            if let change = ConfChange(decoding: logEntry.data), case .remove(let id) = change,
                let name = applied.directory.keys.first(where: { $0.nodeID == id })
            {
                applied.directory[name] = nil
            }
            directoryChanged()
            answer(answers, term: logEntry.term, index: logEntry.index, committed: nil)
        case .normal:
            let record: ClusterRecord
            do {
                record = try ClusterRecord(decoding: logEntry.data)
            } catch {
                preconditionFailure("committed entry \(logEntry.index) does not decode: \(error)")
            }
            switch record {
            case .noop:
                applyNoop(zxid)
                answer(answers, term: logEntry.term, index: logEntry.index, committed: nil)
            case .directory(let name, let address):
                applyNoop(zxid)
                applied.directory[name] = address
                directoryChanged()
                answer(answers, term: logEntry.term, index: logEntry.index, committed: nil)
            case .keepAlive(let timeMs, let ids):
                applyNoop(zxid)
                let nowMs = ReplicaClock.monotonicMs()
                for id in ids {
                    guard let info = tree.session(id) else { continue }
                    applied.lastKeepAliveMs[id] = timeMs
                    if node.role == .leader, sessions.keepAlive(id, nowMs: nowMs) == nil, !sessions.contains(id) {
                        sessions.adopt(id, ttlMs: info.ttlMs, deadlineMs: nowMs + info.ttlMs)
                    }
                }
                answer(answers, term: logEntry.term, index: logEntry.index, committed: nil)
            case .tree(let bytes):
                let entry: Entry
                do {
                    entry = try Entry(decoding: bytes, zxid: zxid)
                } catch {
                    preconditionFailure("committed entry \(logEntry.index) does not decode: \(error)")
                }
                let output = tree.apply(entry)
                appliedEvents.append(contentsOf: output.events)
                lastTimeMs = max(lastTimeMs, entry.timeMs)
                trackSessions(entry, result: output.result)
                var committedZxid = zxid
                if let key = entry.idempotencyKey, let first = tree.idempotentResult(forKey: key) {
                    committedZxid = first.zxid
                }
                answer(answers, term: logEntry.term, index: logEntry.index, committed: Committed(zxid: committedZxid, result: output.result))
            }
        }
    }

    private func applyNoop(_ zxid: Zxid) {
        _ = tree.apply(Entry(zxid: zxid, timeMs: max(0, tree.newestEntryTimeMs), idempotencyKey: nil, command: .noop))
    }

    private func trackSessions(_ entry: Entry, result: ApplyResult) {
        let nowMs = ReplicaClock.monotonicMs()
        switch (entry.command, result) {
        case (.openSession, .sessionOpened(let id, let ttlMs)):
            applied.lastKeepAliveMs[id] = entry.timeMs
            if node.role == .leader { sessions.opened(id, ttlMs: ttlMs, nowMs: nowMs) }
        case (.closeSession(let id), _):
            if tree.session(id) == nil {
                applied.lastKeepAliveMs[id] = nil
                sessions.remove(id)
            } else if node.role == .leader, let info = tree.session(id) {
                // The close applied without closing (a replayed Idempotency-Key): the
                // session lives on, with a full TTL from now.
                sessions.adopt(id, ttlMs: info.ttlMs, deadlineMs: nowMs + info.ttlMs)
            }
        case (.expireSessions(let ids), _):
            for id in ids where tree.session(id) == nil {
                applied.lastKeepAliveMs[id] = nil
                sessions.remove(id)
            }
        default:
            break
        }
    }

    private func answer(
        _ answers: [Waiter], term: Term, index: LogIndex, committed: Committed?, failure: ReplicaError? = nil
    ) {
        guard !answers.isEmpty else { return }
        let lost = failure ?? unavailable(
            "the write at \(index) was replaced after a leader change; retry (with the same Idempotency-Key)")
        // A session this leader already decided to expire is not kept alive by a checkpoint
        // that applies before the expiry: answering success would acknowledge a keepalive
        // the session does not survive.
        var sessionTTLs: [SessionID: Int64] = [:]
        for case .keepAlive(_, let replies) in answers {
            for (id, _) in replies where sessions.sessions[id]?.phase != .ending {
                sessionTTLs[id] = tree.session(id)?.ttlMs
            }
        }
        afterPublish.append {
            for waiter in answers {
                switch waiter {
                case .proposal(let waitTerm, let reply):
                    if waitTerm == term, let committed { reply(.success(committed)) } else { reply(.failure(lost)) }
                case .keepAlive(let waitTerm, let replies):
                    for (id, reply) in replies {
                        if waitTerm == term, let ttlMs = sessionTTLs[id] {
                            reply(.success(ttlMs))
                        } else if waitTerm == term {
                            reply(.failure(ReplicaError(code: .sessionExpired, message: "session \(id) is unknown or expired")))
                        } else {
                            reply(.failure(lost))
                        }
                    }
                case .control(let waitTerm, let reply):
                    if waitTerm == term {
                        reply(.success(()))
                    } else {
                        reply(.failure(ClusterError(code: .unavailable, message: failure?.message ?? "the change was replaced after a leader change; retry")))
                    }
                case .silent:
                    break
                }
            }
        }
    }

    private func peerAddresses() -> [MemberName: String] {
        var peers = applied.directory
        peers[options.selfName] = nil
        return peers
    }

    private func directoryChanged() {
        rebuildNames()
        link.setPeers(peerAddresses())
        let directory = applied.directory
        replica.shared.withLock { $0.directory = directory }
    }

    // MARK: Publish

    private func publish() {
        let published = tree
        let status = node.status
        let ready = readyIndex.map { status.leader != nil && node.appliedIndex >= $0 } ?? false
        let previous = replica.shared.withLock { state -> ZNodeTree in
            let previous = state.tree
            state.tree = published
            state.raftStatus = status
            state.isReady = ready
            return previous
        }
        _ = previous
    }

    // MARK: Snapshots

    private func startSnapshotIfDue() {
        guard !snapshotInFlight,
            node.appliedIndex.rawValue - snapshotIndex.rawValue >= UInt64(options.replica.snapshotIntervalEntries),
            let term = node.term(at: node.appliedIndex)
        else { return }
        snapshotInFlight = true
        let copy = tree
        let state = applied
        let index = node.appliedIndex
        let membership = node.membership(at: index)
        let replica = self.replica
        let thread = Thread {
            let envelope = state.snapshot(tree: copy.snapshot())
            let record = SnapshotRecord(index: index, term: term, configuration: membership.encoded, data: envelope)
            let prepared = Result { () throws(StorageError) in try PreparedSnapshot(record) }
            let wake = replica.shared.withLock { shared in
                shared.finishedSnapshot = (envelope, prepared)
                let wake = shared.workerIdle
                shared.workerIdle = false
                return wake
            }
            if wake { replica.wake.signal() }
        }
        thread.name = "paddock-snapshot"
        thread.start()
    }

    private func storeFinishedSnapshot() {
        guard snapshotInFlight, let finished = replica.shared.withLock({ state in
            let finished = state.finishedSnapshot
            state.finishedSnapshot = nil
            return finished
        }) else { return }
        snapshotInFlight = false
        let prepared: PreparedSnapshot
        switch finished.prepared {
        case .success(let value): prepared = value
        case .failure(let error):
            fail(ReplicaError(code: .storage, message: "compressing a snapshot failed: \(error)"))
            return
        }
        // A snapshot installed from the leader meanwhile may have passed this one.
        guard prepared.index > snapshotIndex else { return }
        let tail = UInt64(options.replica.snapshotLogTailEntries)
        let compactThrough = LogIndex(prepared.index.rawValue - min(prepared.index.rawValue, tail))
        do {
            try log.saveSnapshot(prepared)
            if compactThrough > .zero { try log.compact(through: compactThrough) }
        } catch {
            fail(ReplicaError(code: .storage, message: "storing the snapshot at \(prepared.index) failed: \(error)"))
            return
        }
        snapshotIndex = prepared.index
        node.compact(snapshotData: finished.envelope, through: prepared.index)
        logger.info("snapshot stored", metadata: ["index": "\(prepared.index)", "compactedThrough": "\(compactThrough)"])
    }

    // MARK: Ending

    func fail(_ error: ReplicaError) {
        logger.critical("storage failed; the member stops serving", metadata: ["error": "\(error.message)"])
        replica.shared.withLock { $0.phase = .failed(error) }
    }

    private func drainForStop(_ inputs: [ClusterInput]) {
        let error = ReplicaError(code: .shuttingDown, message: "the member is stopping")
        for input in inputs { input.refuse(with: error) }
    }

    private func finish() {
        let error = replica.shared.withLock { state -> ReplicaError in
            if case .failed(let error) = state.phase { return error }
            return ReplicaError(code: .shuttingDown, message: "the member is stopping")
        }
        for entry in parked { entry.input.refuse(with: error) }
        parked.removeAll()
        for (_, list) in waiters {
            answer(list, term: Term(0), index: .zero, committed: nil)
        }
        waiters.removeAll()
        for held in forwardAnswersAwaitingApply { afterPublish.append(held.give) }
        forwardAnswersAwaitingApply.removeAll()
        let answers = afterPublish
        afterPublish.removeAll()
        for answer in answers { answer() }
        // The batches answered above reach the watchers too.
        for delivery in pendingDeliveries { replica.watchHub.deliver(delivery) }
        pendingDeliveries.removeAll()
        for read in newReads { read.reply(.failure(error)) }
        for (_, round) in readsByContext { for read in round.reads { read.reply(.failure(error)) } }
        for entry in readsAwaitingApply { for read in entry.reads { read.reply(.failure(error)) } }
        for (_, waiting) in forwardedOut { waiting.reply(.failed(code: error.code.rawValue, message: error.message)) }
        for (_, reply) in keepAliveBatch { reply(.failure(error)) }
        for waiter in transferWaiters { waiter.reply(.failure(ClusterError(code: .unavailable, message: error.message))) }
        let inbox = replica.shared.withLock { state -> [ClusterInput] in
            let inbox = state.inbox
            state.inbox.removeAll()
            return inbox
        }
        for input in inbox { input.refuse(with: error) }
        log.close()
        let stopWaiters = replica.shared.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.workerExited = true
            let waiters = state.stopWaiters
            state.stopWaiters.removeAll()
            return waiters
        }
        logger.info("member stopped", metadata: ["appliedIndex": "\(node.appliedIndex)"])
        for waiter in stopWaiters { waiter.resume() }
    }
}
