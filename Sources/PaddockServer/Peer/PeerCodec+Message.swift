import RaftCore

/// The wire form of a Raft `Message` inside a `raft` frame.
///
/// ```
/// u8 message kind      (table below)
/// u8 flags             bit 0 reject, bit 1 leadershipTransfer, bit 2 snapshot chunk
///                      present, bit 3 chunk isLast; other bits 0, bit 3 only with bit 2
/// u64 from, u64 to     member ids, big-endian
/// varint term, logTerm, index, commit, hintIndex, hintTerm, readRound
/// bytes context
/// varint entry count, then per entry: varint term, varint index, u8 kind, bytes data
/// when bit 2: varint snapshot index, varint snapshot term,
///             varint voter count, u64 each (strictly ascending),
///             varint learner count, u64 each (strictly ascending, none a voter),
///             varint offset, bytes data
/// ```
///
/// Message kinds: 1 preVote, 2 preVoteResponse, 3 vote, 4 voteResponse, 5 append,
/// 6 appendResponse, 7 heartbeat, 8 heartbeatResponse, 9 installSnapshot,
/// 10 installSnapshotResponse, 11 readIndex, 12 readIndexResponse, 13 timeoutNow.
/// Entry kinds are `EntryKind`'s raw values (0 normal, 1 configChange).
enum PeerMessageWire {
    /// The wire number of each message kind; fixed forever, independent of declaration order.
    static func number(of kind: MessageKind) -> UInt8 {
        switch kind {
        case .preVote: return 1
        case .preVoteResponse: return 2
        case .vote: return 3
        case .voteResponse: return 4
        case .append: return 5
        case .appendResponse: return 6
        case .heartbeat: return 7
        case .heartbeatResponse: return 8
        case .installSnapshot: return 9
        case .installSnapshotResponse: return 10
        case .readIndex: return 11
        case .readIndexResponse: return 12
        case .timeoutNow: return 13
        }
    }

    /// The message kind of a wire number, or nil for an unknown one.
    static func kind(number: UInt8) -> MessageKind? {
        MessageKind.allCases.first { Self.number(of: $0) == number }
    }

    static let rejectFlag: UInt8 = 1 << 0
    static let leadershipTransferFlag: UInt8 = 1 << 1
    static let snapshotChunkFlag: UInt8 = 1 << 2
    static let isLastFlag: UInt8 = 1 << 3
    static let knownFlags: UInt8 = 0x0F

    /// The fewest bytes an encoded entry takes (term, index, kind, data length).
    static let entryBytesMin = 4
}

extension PeerByteWriter {
    /// Writes a Raft message.
    mutating func message(_ message: Message) {
        byte(PeerMessageWire.number(of: message.kind))
        var flags: UInt8 = 0
        if message.reject { flags |= PeerMessageWire.rejectFlag }
        if message.leadershipTransfer { flags |= PeerMessageWire.leadershipTransferFlag }
        if let chunk = message.snapshotChunk {
            flags |= PeerMessageWire.snapshotChunkFlag
            if chunk.isLast { flags |= PeerMessageWire.isLastFlag }
        }
        byte(flags)
        uint64(message.from.rawValue)
        uint64(message.to.rawValue)
        varint(message.term.rawValue)
        varint(message.logTerm.rawValue)
        varint(message.index.rawValue)
        varint(message.commit.rawValue)
        varint(message.hintIndex.rawValue)
        varint(message.hintTerm.rawValue)
        varint(message.readRound)
        data(message.context)
        count(message.entries.count)
        for entry in message.entries {
            varint(entry.term.rawValue)
            varint(entry.index.rawValue)
            byte(entry.kind.rawValue)
            data(entry.data)
        }
        if let chunk = message.snapshotChunk {
            varint(chunk.metadata.index.rawValue)
            varint(chunk.metadata.term.rawValue)
            count(chunk.metadata.membership.voters.count)
            for voter in chunk.metadata.membership.voters { uint64(voter.rawValue) }
            count(chunk.metadata.membership.learners.count)
            for learner in chunk.metadata.membership.learners { uint64(learner.rawValue) }
            count(chunk.offsetBytes)
            data(chunk.data)
        }
    }
}

extension PeerByteReader {
    /// Reads a Raft message.
    mutating func message() throws(PeerCodecError) -> Message {
        let kindOffset = offset
        let kindNumber = try byte()
        guard let kind = PeerMessageWire.kind(number: kindNumber) else {
            throw PeerCodecError(code: .unknownKind, message: "unknown message kind \(kindNumber)", offset: kindOffset)
        }
        let flagsOffset = offset
        let flags = try byte()
        let hasChunk = flags & PeerMessageWire.snapshotChunkFlag != 0
        guard flags & ~PeerMessageWire.knownFlags == 0, hasChunk || flags & PeerMessageWire.isLastFlag == 0 else {
            throw PeerCodecError(code: .invalidValue, message: "message flags \(flags)", offset: flagsOffset)
        }
        var message = Message(kind: kind, from: NodeID(try uint64()), to: NodeID(try uint64()), term: Term(try varint()))
        message.reject = flags & PeerMessageWire.rejectFlag != 0
        message.leadershipTransfer = flags & PeerMessageWire.leadershipTransferFlag != 0
        message.logTerm = Term(try varint())
        message.index = LogIndex(try varint())
        message.commit = LogIndex(try varint())
        message.hintIndex = LogIndex(try varint())
        message.hintTerm = Term(try varint())
        message.readRound = try varint()
        message.context = try data()
        message.entries = try entries()
        if hasChunk {
            message.snapshotChunk = try snapshotChunk(isLast: flags & PeerMessageWire.isLastFlag != 0)
        }
        return message
    }

    /// Reads the entry list of a message.
    private mutating func entries() throws(PeerCodecError) -> [LogEntry] {
        let count = try count(itemBytesMin: PeerMessageWire.entryBytesMin)
        var entries: [LogEntry] = []
        entries.reserveCapacity(count)  // bounded: count <= remaining bytes / 4
        for _ in 0..<count {
            let term = Term(try varint())
            let index = LogIndex(try varint())
            let kindOffset = offset
            let kindByte = try byte()
            guard let kind = EntryKind(rawValue: kindByte) else {
                throw PeerCodecError(code: .unknownKind, message: "unknown entry kind \(kindByte)", offset: kindOffset)
            }
            entries.append(LogEntry(term: term, index: index, kind: kind, data: try data()))
        }
        return entries
    }

    /// Reads a snapshot chunk.
    private mutating func snapshotChunk(isLast: Bool) throws(PeerCodecError) -> SnapshotChunk {
        let index = LogIndex(try varint())
        let term = Term(try varint())
        let voters = try sortedIDs(what: "voters")
        let learnersOffset = offset
        let learners = try sortedIDs(what: "learners")
        guard Set(voters).isDisjoint(with: learners) else {
            throw PeerCodecError(code: .invalidValue, message: "a member is both voter and learner", offset: learnersOffset)
        }
        let membership = Membership(voters: voters, learners: learners)
        precondition(
            membership.voters == voters && membership.learners == learners,
            "canonical membership \(voters) \(learners) changed to \(membership)")
        let offsetBytes = try int()
        let data = try data()
        return SnapshotChunk(
            metadata: SnapshotMetadata(index: index, term: term, membership: membership),
            offsetBytes: offsetBytes, data: data, isLast: isLast)
    }

    /// Reads a strictly ascending list of member ids (the canonical form of a membership list).
    private mutating func sortedIDs(what: String) throws(PeerCodecError) -> [NodeID] {
        let count = try count(itemBytesMin: 8)
        var ids: [NodeID] = []
        ids.reserveCapacity(count)  // bounded: count <= remaining bytes / 8
        for _ in 0..<count {
            let idOffset = offset
            let id = NodeID(try uint64())
            if let last = ids.last, last >= id {
                throw PeerCodecError(code: .invalidValue, message: "\(what) not strictly ascending", offset: idOffset)
            }
            ids.append(id)
        }
        return ids
    }
}
