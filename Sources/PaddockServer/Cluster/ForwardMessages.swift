import ZNodeTree

/// A request a member passes to the leader in a `forward` frame.
enum ForwardRequest: Equatable {
    /// A tree command with its idempotency key, as entry bytes (the leader sets the time).
    case propose(entry: [UInt8])
    case keepAlive(SessionID)
    case addLearner(name: MemberName, peerAddress: String)
    case promote(MemberName)
    case remove(MemberName)
    case transfer(MemberName?)

    var encoded: [UInt8] {
        var writer = BinaryWriter()
        switch self {
        case .propose(let entry):
            writer.byte(1)
            writer.blob(entry)
        case .keepAlive(let id):
            writer.byte(2)
            writer.u64(id.rawValue)
        case .addLearner(let name, let address):
            writer.byte(3)
            writer.text(name.rawValue)
            writer.text(address)
        case .promote(let name):
            writer.byte(4)
            writer.text(name.rawValue)
        case .remove(let name):
            writer.byte(5)
            writer.text(name.rawValue)
        case .transfer(let name):
            writer.byte(6)
            writer.text(name?.rawValue ?? "")
        }
        return writer.bytes
    }

    init(decoding bytes: [UInt8]) throws(ClusterCodecError) {
        var reader = BinaryReader(bytes)
        func name(_ reader: inout BinaryReader) throws(ClusterCodecError) -> MemberName {
            let raw = try reader.text()
            guard let name = MemberName(raw) else { throw ClusterCodecError("bad member name \(raw)") }
            return name
        }
        switch try reader.byte() {
        case 1: self = .propose(entry: try reader.blob())
        case 2: self = .keepAlive(SessionID(rawValue: try reader.u64()))
        case 3:
            let member = try name(&reader)
            self = .addLearner(name: member, peerAddress: try reader.text())
        case 4: self = .promote(try name(&reader))
        case 5: self = .remove(try name(&reader))
        case 6:
            let raw = try reader.text()
            if raw.isEmpty {
                self = .transfer(nil)
            } else {
                guard let member = MemberName(raw) else { throw ClusterCodecError("bad member name \(raw)") }
                self = .transfer(member)
            }
        case let kind: throw ClusterCodecError("unknown forwarded request kind \(kind)")
        }
        try reader.expectEnd()
    }
}

/// The leader's answer to a `ForwardRequest`.
enum ForwardReply: Equatable {
    /// The failure code of a member asked to lead a request it no longer leads; the asker
    /// forwards the request again to the new leader.
    static let notLeaderCode = "notLeader"

    case committed(zxid: Zxid, result: [UInt8])
    case remainingMs(Int64)
    case done
    /// A `ReplicaError.Code` or `ClusterError.Code` raw value with its message.
    case failed(code: String, message: String)

    var encoded: [UInt8] {
        var writer = BinaryWriter()
        switch self {
        case .committed(let zxid, let result):
            writer.byte(1)
            writer.u64(zxid.rawValue)
            writer.blob(result)
        case .remainingMs(let ms):
            writer.byte(2)
            writer.i64(ms)
        case .done:
            writer.byte(3)
        case .failed(let code, let message):
            writer.byte(4)
            writer.text(code)
            writer.text(message)
        }
        return writer.bytes
    }

    init(decoding bytes: [UInt8]) throws(ClusterCodecError) {
        var reader = BinaryReader(bytes)
        switch try reader.byte() {
        case 1:
            let zxid = Zxid(rawValue: try reader.u64())
            self = .committed(zxid: zxid, result: try reader.blob())
        case 2: self = .remainingMs(try reader.i64())
        case 3: self = .done
        case 4:
            let code = try reader.text()
            self = .failed(code: code, message: try reader.text())
        case let kind: throw ClusterCodecError("unknown forwarded reply kind \(kind)")
        }
        try reader.expectEnd()
    }
}
