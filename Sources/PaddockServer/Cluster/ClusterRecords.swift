import RaftCore
import ZNodeTree

/// What a normal Raft entry of a cluster carries, told apart by its first byte.
///
/// - empty: a new leader's no-op;
/// - `1` (the `Entry` format version): a tree command, `Entry(decoding:zxid:)`;
/// - `0xD1`: a directory change (a member's name and peer address), proposed right before
///   the membership change that adds the member;
/// - `0xD2`: a keepalive checkpoint: the sessions kept alive and the leader's time.
///
/// Every kind advances the tree's applied index (records that are not tree commands apply
/// as a no-op), so `zxid == log index` holds on every member.
enum ClusterRecord: Equatable {
    case noop
    case tree([UInt8])
    case directory(name: MemberName, peerAddress: String)
    case keepAlive(timeMs: Int64, sessions: [SessionID])

    static let directoryTag: UInt8 = 0xD1
    static let keepAliveTag: UInt8 = 0xD2

    init(decoding data: [UInt8]) throws(ClusterCodecError) {
        guard let first = data.first else {
            self = .noop
            return
        }
        switch first {
        case Self.directoryTag:
            var reader = BinaryReader(Array(data.dropFirst()))
            let raw = try reader.text()
            guard let name = MemberName(raw) else { throw ClusterCodecError("bad member name \(raw)") }
            let address = try reader.text()
            try reader.expectEnd()
            self = .directory(name: name, peerAddress: address)
        case Self.keepAliveTag:
            var reader = BinaryReader(Array(data.dropFirst()))
            let timeMs = try reader.i64()
            let count = try reader.count(itemBytesMin: 8)
            var sessions: [SessionID] = []
            sessions.reserveCapacity(count)
            for _ in 0..<count { sessions.append(SessionID(rawValue: try reader.u64())) }
            try reader.expectEnd()
            self = .keepAlive(timeMs: timeMs, sessions: sessions)
        default:
            self = .tree(data)
        }
    }

    var encoded: [UInt8] {
        switch self {
        case .noop:
            return []
        case .tree(let bytes):
            return bytes
        case .directory(let name, let address):
            var writer = BinaryWriter()
            writer.byte(Self.directoryTag)
            writer.text(name.rawValue)
            writer.text(address)
            return writer.bytes
        case .keepAlive(let timeMs, let sessions):
            var writer = BinaryWriter()
            writer.byte(Self.keepAliveTag)
            writer.i64(timeMs)
            writer.u64(UInt64(sessions.count))
            for id in sessions { writer.u64(id.rawValue) }
            return writer.bytes
        }
    }
}

/// The state a cluster member applies besides the tree: who the members are and where
/// they listen, and when each session was last kept alive (leader time, ms since epoch).
///
/// Part of every snapshot, so a member restored or caught up by snapshot knows both.
struct ClusterAppliedState: Equatable {
    /// Member names and peer addresses (`host:port`).
    var directory: [MemberName: String]
    /// The entry time of each open session's last replicated keepalive (or its open).
    var lastKeepAliveMs: [SessionID: Int64] = [:]

    static let snapshotMagic: [UInt8] = [0x50, 0x43, 0x53, 0x01]  // "PCS" v1

    /// The snapshot envelope: this state, then the tree's own snapshot bytes.
    func snapshot(tree: [UInt8]) -> [UInt8] {
        var writer = BinaryWriter()
        for byte in Self.snapshotMagic { writer.byte(byte) }
        let members = directory.keys.sorted()
        writer.u64(UInt64(members.count))
        for name in members {
            writer.text(name.rawValue)
            writer.text(directory[name]!)
        }
        let sessions = lastKeepAliveMs.keys.sorted()
        writer.u64(UInt64(sessions.count))
        for id in sessions {
            writer.u64(id.rawValue)
            writer.i64(lastKeepAliveMs[id]!)
        }
        writer.blob(tree)
        return writer.bytes
    }

    /// Splits a snapshot envelope into this state and the tree's bytes.
    static func restore(_ bytes: [UInt8]) throws(ClusterCodecError) -> (ClusterAppliedState, tree: [UInt8]) {
        var reader = BinaryReader(bytes)
        for byte in snapshotMagic {
            guard try reader.byte() == byte else { throw ClusterCodecError("not a cluster snapshot") }
        }
        var directory: [MemberName: String] = [:]
        for _ in 0..<(try reader.count(itemBytesMin: 16)) {
            let raw = try reader.text()
            guard let name = MemberName(raw) else { throw ClusterCodecError("bad member name \(raw)") }
            directory[name] = try reader.text()
        }
        var state = ClusterAppliedState(directory: directory)
        for _ in 0..<(try reader.count(itemBytesMin: 16)) {
            let id = SessionID(rawValue: try reader.u64())
            state.lastKeepAliveMs[id] = try reader.i64()
        }
        let tree = try reader.blob()
        try reader.expectEnd()
        return (state, tree)
    }
}

extension Membership {
    /// Voters then learners, for the snapshot row's configuration column.
    var encoded: [UInt8] {
        var writer = BinaryWriter()
        writer.u64(UInt64(voters.count))
        for id in voters { writer.u64(id.rawValue) }
        writer.u64(UInt64(learners.count))
        for id in learners { writer.u64(id.rawValue) }
        return writer.bytes
    }

    /// Decodes `encoded`.
    init(decoding bytes: [UInt8]) throws(ClusterCodecError) {
        var reader = BinaryReader(bytes)
        var voters: [NodeID] = []
        for _ in 0..<(try reader.count(itemBytesMin: 8)) { voters.append(NodeID(try reader.u64())) }
        var learners: [NodeID] = []
        for _ in 0..<(try reader.count(itemBytesMin: 8)) { learners.append(NodeID(try reader.u64())) }
        try reader.expectEnd()
        self.init(voters: voters, learners: learners)
    }
}
