@testable import PaddockServer
import RaftCore
import Testing

@Suite("Peer codec")
struct PeerCodecTests {
    @Test("every message kind round-trips with all fields set", arguments: MessageKind.allCases)
    func messageRoundTrip(kind: MessageKind) throws {
        let frame = PeerFrame.raft(PeerFrameSamples.fullMessage(kind))
        let bytes = PeerCodec.encode(frame)
        #expect(try PeerCodec.decode(bytes) == frame)
    }

    @Test("a message with every field at its default round-trips", arguments: MessageKind.allCases)
    func defaultMessageRoundTrip(kind: MessageKind) throws {
        let frame = PeerFrame.raft(Message(kind: kind, from: NodeID(1), to: NodeID(2), term: .zero))
        let bytes = PeerCodec.encode(frame)
        // prefix 4 + version + kind + message kind + flags + 16 id bytes + 7 varints + context
        // length + entry count.
        #expect(bytes.count == 4 + 2 + 2 + 16 + 7 + 1 + 1)
        #expect(try PeerCodec.decode(bytes) == frame)
    }

    @Test("empty and 1 MiB entries and a 1 MiB snapshot chunk round-trip")
    func largePayloads() throws {
        let mib = 1 << 20
        var empty = PeerFrameSamples.fullMessage(.append)
        empty.entries = [LogEntry(term: Term(2), index: LogIndex(1), data: [])]
        let big = PeerFrameSamples.fullMessage(.append, entryBytes: mib)
        let chunk = PeerFrameSamples.fullMessage(.installSnapshot, chunkBytes: mib)
        for message in [empty, big, chunk] {
            let bytes = PeerCodec.encode(.raft(message))
            #expect(bytes.count - PeerCodec.prefixBytes <= PeerTransport.Configuration.frameBytesFloor)
            #expect(try PeerCodec.decode(bytes) == .raft(message))
        }
    }

    @Test("hello, forward and forwardReply round-trip")
    func otherFrames() throws {
        let frames: [PeerFrame] = [
            .hello(PeerHello(clusterID: "c", name: PeerFrameSamples.n2, httpAddress: "[::1]:8080")),
            .hello(PeerHello(protocolVersion: 7, clusterID: "", name: MemberName(String(repeating: "a", count: 64))!, httpAddress: "")),
            .forward(requestID: 1, payload: Array(repeating: 0xAB, count: 100_000)),
            .forwardReply(requestID: UInt64.max, payload: []),
        ]
        for frame in frames {
            #expect(try PeerCodec.decode(PeerCodec.encode(frame)) == frame)
        }
    }

    @Test("the wire bytes of a forward frame are pinned")
    func pinnedBytes() {
        let bytes = PeerCodec.encode(.forward(requestID: 300, payload: [0xAA, 0xBB]))
        #expect(bytes == [0, 0, 0, 7, 1, 3, 0xAC, 0x02, 2, 0xAA, 0xBB])
        let hello = PeerCodec.encode(.hello(PeerHello(clusterID: "c", name: PeerFrameSamples.n1, httpAddress: "h:1")))
        #expect(hello == [0, 0, 0, 13, 1, 1, 0, 1, 1, 0x63, 2, 0x6E, 0x31, 3, 0x68, 0x3A, 0x31])
    }

    @Test("frames appended to one buffer keep their borders")
    func appending() throws {
        var bytes: [UInt8] = []
        let frames = PeerFrameSamples.small
        for frame in frames { PeerCodec.encode(frame, appendingTo: &bytes) }
        var offset = 0
        var decoded: [PeerFrame] = []
        while offset < bytes.count {
            let length = Int(bytes[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            decoded.append(try PeerCodec.decode(Array(bytes[offset..<offset + 4 + length])))
            offset += 4 + length
        }
        #expect(decoded == frames)
    }

    @Test("garbled frames throw the matching error code", arguments: [
        ([0, 0, 0], PeerCodecError.Code.truncated),
        ([0, 0, 0, 1, 1], .truncated),
        ([0, 0, 0, 3, 1, 3], .truncated),
        ([0, 0, 0, 2, 2, 3], .unsupportedVersion),
        ([0, 0, 0, 2, 1, 9], .unknownKind),
        ([0, 0, 0, 2, 1, 0], .unknownKind),
        ([0, 0, 0, 4, 1, 3, 1, 0, 9], .trailingBytes),
        ([0, 0, 0, 5, 1, 3, 1, 0, 9], .trailingBytes),
        ([0, 0, 0, 4, 1, 3, 0x80, 0x00], .invalidValue),
        ([0, 0, 0, 4, 1, 3, 1, 5], .truncated),
        ([0xFF, 0xFF, 0xFF, 0xFF, 1, 3], .tooLarge),
        ([0, 0, 0, 13, 1, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0], .invalidValue),
        ([0, 0, 0, 14, 1, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0], .invalidValue),
        ([0, 0, 0, 5, 1, 1, 0, 1, 0x01], .truncated),
    ] as [([UInt8], PeerCodecError.Code)])
    func garbled(bytes: [UInt8], code: PeerCodecError.Code) {
        #expect(throws: PeerCodecError.self) { try PeerCodec.decode(bytes) }
        do {
            _ = try PeerCodec.decode(bytes)
        } catch {
            #expect(error.code == code, "\(error)")
        }
    }

    @Test("a length past frameBytesMax is refused before the bytes are read")
    func tooLarge() {
        let bytes = PeerCodec.encode(.forward(requestID: 1, payload: Array(repeating: 1, count: 100)))
        #expect(throws: PeerCodecError(code: .tooLarge, message: "frame of 104 bytes is past the limit of 103", offset: 0)) {
            try PeerCodec.decode(bytes, frameBytesMax: 103)
        }
        #expect(throws: Never.self) { try PeerCodec.decode(bytes, frameBytesMax: 104) }
    }

    @Test("non-canonical encodings are refused", arguments: [
        // An unknown message flag bit.
        "flags",
        // isLast without a snapshot chunk.
        "isLast",
        // Voters out of order.
        "voters",
        // A learner that is also a voter.
        "overlap",
        // An invalid member name in a hello.
        "name",
        // Invalid UTF-8 in a cluster id.
        "utf8",
        // An unknown entry kind.
        "entryKind",
        // An unknown message kind.
        "messageKind",
    ])
    func nonCanonical(which: String) throws {
        var bytes: [UInt8]
        switch which {
        case "flags", "isLast", "messageKind":
            bytes = PeerCodec.encode(.raft(Message(kind: .heartbeat, from: NodeID(1), to: NodeID(2), term: Term(1))))
            if which == "flags" { bytes[7] = 0x10 }
            if which == "isLast" { bytes[7] = 0x08 }
            if which == "messageKind" { bytes[6] = 14 }
        case "voters", "overlap":
            var message = Message(kind: .installSnapshot, from: NodeID(1), to: NodeID(2), term: Term(1))
            message.snapshotChunk = SnapshotChunk(
                metadata: SnapshotMetadata(index: LogIndex(1), term: Term(1), membership: Membership(voters: [NodeID(1), NodeID(2)], learners: [NodeID(3)])),
                offsetBytes: 0, data: [], isLast: false)
            bytes = PeerCodec.encode(.raft(message))
            // Voters start after: prefix 4, version, kind, message kind, flags, ids 16,
            // 7 varints, context length, entry count, snapshot index, term, voter count.
            let firstVoter = 4 + 2 + 2 + 16 + 7 + 1 + 1 + 1 + 1 + 1
            #expect(bytes[firstVoter + 7] == 1)
            if which == "voters" {
                bytes[firstVoter + 7] = 2
                bytes[firstVoter + 15] = 1
            } else {
                bytes[firstVoter + 8 + 8 + 1 + 7] = 2
            }
        case "name", "utf8":
            bytes = PeerCodec.encode(.hello(PeerHello(clusterID: "c", name: PeerFrameSamples.n1, httpAddress: "h:1")))
            if which == "name" { bytes[11] = 0x2F }  // "/1"
            if which == "utf8" { bytes[9] = 0xC3 }
        default:
            var message = Message(kind: .append, from: NodeID(1), to: NodeID(2), term: Term(1))
            message.entries = [LogEntry(term: Term(1), index: LogIndex(1), data: [])]
            bytes = PeerCodec.encode(.raft(message))
            #expect(bytes[bytes.count - 2] == 0)  // the entry's kind, before its empty data
            bytes[bytes.count - 2] = 2
        }
        #expect(throws: PeerCodecError.self) { try PeerCodec.decode(bytes) }
    }
}
