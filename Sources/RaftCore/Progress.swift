/// How a leader replicates to one follower (the states of etcd's tracker).
public enum ProgressState: String, Sendable, Equatable {
    /// The leader does not know where the logs agree: one append at a time until one lands.
    case probe
    /// The logs agree up to `match`: appends stream, at most `inflightMessagesMax` unacknowledged.
    case replicate
    /// The follower needs entries that were compacted away: a snapshot is being sent.
    case snapshot
}

/// A leader's view of one member's log.
///
/// Invariants: `match < next`; in `replicate`, `inflights` holds the last index of each
/// unacknowledged append in sending order; `transfer` is set exactly in `snapshot`.
struct Progress: Sendable {
    /// The highest index known to agree with the leader's log.
    var match: LogIndex
    /// The next index to send.
    var next: LogIndex
    /// The replication state.
    private(set) var state: ProgressState = .probe
    /// In `probe`: an append is out and unanswered, so no other is sent.
    var probeSent = false
    /// In `replicate`: the last index of each append in flight.
    private(set) var inflights: [LogIndex] = []
    /// In `snapshot`: the transfer under way.
    var transfer: SnapshotTransfer?
    /// Whether the member was heard from since the last CheckQuorum round.
    var recentActive = false

    init(match: LogIndex, next: LogIndex) {
        precondition(match < next, "progress match \(match) not below next \(next)")
        self.match = match
        self.next = next
    }

    /// Whether the leader must hold back appends to this member.
    func isPaused(inflightMessagesMax: Int) -> Bool {
        switch state {
        case .probe: return probeSent
        case .replicate: return inflights.count >= inflightMessagesMax
        case .snapshot: return true
        }
    }

    /// Records an acknowledgement through `index`; false when it tells nothing new.
    mutating func maybeUpdate(_ index: LogIndex) -> Bool {
        var updated = false
        if index > match {
            match = index
            probeSent = false
            updated = true
        }
        next = max(next, index.next)
        if state == .replicate { inflights.removeAll { $0 <= index } }
        return updated
    }

    /// Handles a rejected append of the entry after `rejected`, moving `next` back toward the
    /// follower's hint; false when the rejection is stale.
    mutating func maybeDecrease(rejected: LogIndex, hint: LogIndex) -> Bool {
        if state == .replicate {
            guard rejected > match else { return false }
            next = match.next
            return true
        }
        guard next.previous == rejected else { return false }
        next = max(min(rejected, hint.next), match.next)
        probeSent = false
        return true
    }

    /// Records an append whose last entry is `lastIndex`; an append without entries only
    /// carries the commit index and takes no slot of the window.
    mutating func sent(lastIndex: LogIndex, entryCount: Int) {
        switch state {
        case .replicate:
            guard entryCount > 0 else { return }
            next = lastIndex.next
            inflights.append(lastIndex)
        case .probe:
            probeSent = true
        case .snapshot:
            preconditionFailure("append sent while a snapshot is being sent")
        }
    }

    /// Frees one in-flight slot; a heartbeat answer shows the follower is alive, so a full
    /// window must not stall replication forever if an answer was lost.
    mutating func freeFirstInflight() {
        if !inflights.isEmpty { inflights.removeFirst() }
    }

    mutating func becomeProbe() {
        if state == .snapshot, let pending = transfer?.metadata.index {
            next = max(match.next, pending.next)
        } else {
            next = match.next
        }
        state = .probe
        probeSent = false
        inflights = []
        transfer = nil
    }

    mutating func becomeReplicate() {
        state = .replicate
        next = match.next
        probeSent = false
        inflights = []
        transfer = nil
    }

    mutating func becomeSnapshot(_ metadata: SnapshotMetadata) {
        state = .snapshot
        probeSent = false
        inflights = []
        transfer = SnapshotTransfer(metadata: metadata)
    }
}

/// A snapshot being sent to one member, one chunk at a time.
struct SnapshotTransfer: Sendable {
    /// The snapshot being sent.
    var metadata: SnapshotMetadata
    /// The offset of the chunk last sent and not yet acknowledged.
    var offsetBytes = 0
    /// Leader heartbeats since the member last answered; a resend is due after two.
    var heartbeatsWithoutAnswer = 0
}

/// A snapshot of a leader's view of one member, for `RaftStatus`.
public struct PeerProgress: Sendable, Equatable {
    /// The member.
    public var id: NodeID
    /// The highest index known to agree with the leader's log.
    public var match: LogIndex
    /// The next index the leader will send.
    public var next: LogIndex
    /// The replication state.
    public var state: ProgressState
    /// Whether the member is a learner.
    public var isLearner: Bool

    /// A progress view from its parts.
    public init(id: NodeID, match: LogIndex, next: LogIndex, state: ProgressState, isLearner: Bool) {
        self.id = id
        self.match = match
        self.next = next
        self.state = state
        self.isLearner = isLearner
    }
}
