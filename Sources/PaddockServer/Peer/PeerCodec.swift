/// The peer wire format: length-prefixed, versioned binary frames.
///
/// A frame is `u32 length` (big-endian, the number of bytes that follow it), then
/// `u8 frame version` (`frameVersion`), `u8 kind`, and the kind's body:
///
/// | kind | frame | body |
/// |---|---|---|
/// | 1 | `hello` | `u16 protocolVersion`, string clusterID, string name, string httpAddress |
/// | 2 | `raft` | a Raft message (see `PeerCodec+Message.swift`) |
/// | 3 | `forward` | varint requestID, bytes payload |
/// | 4 | `forwardReply` | varint requestID, bytes payload |
///
/// Integers are unsigned LEB128 varints in their shortest form, member ids 8 big-endian
/// bytes; strings and byte strings are a varint length then the bytes (strings UTF-8).
/// The codec is pure (no NIO): the transport frames the stream with `bodyLength(prefix:)`
/// and decodes each frame with `decode(body:)`.
///
/// Invariant: decoding accepts only canonical encodings, so every frame it returns
/// re-encodes to exactly the bytes it was decoded from.
public enum PeerCodec {
    /// The peer protocol version a member announces in its hello.
    public static let protocolVersion: UInt16 = 1
    /// The version byte at the start of every frame body.
    public static let frameVersion: UInt8 = 1
    /// The default limit on a frame's length prefix, in bytes (8 MiB: room for a 1 MiB
    /// snapshot chunk or a full append batch several times over).
    public static let frameBytesMaxDefault = 8 << 20
    /// The size of the length prefix, in bytes.
    public static let prefixBytes = 4

    enum FrameKind: UInt8 {
        case hello = 1
        case raft = 2
        case forward = 3
        case forwardReply = 4
    }

    /// The whole frame, length prefix included.
    public static func encode(_ frame: PeerFrame) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(frame, appendingTo: &bytes)
        return bytes
    }

    /// Appends the whole frame, length prefix included, to `bytes`, so a sender can
    /// batch many frames into one buffer.
    public static func encode(_ frame: PeerFrame, appendingTo bytes: inout [UInt8]) {
        let start = bytes.count
        var writer = PeerByteWriter()
        swap(&writer.bytes, &bytes)  // appends in place, without copying what is there
        writer.uint32(0)
        writer.byte(frameVersion)
        switch frame {
        case .hello(let hello):
            writer.byte(FrameKind.hello.rawValue)
            writer.uint16(hello.protocolVersion)
            writer.string(hello.clusterID)
            writer.string(hello.name.rawValue)
            writer.string(hello.httpAddress)
        case .raft(let message):
            writer.reserve(64 + message.context.count + message.payloadBytes + 24 * message.entries.count)
            writer.byte(FrameKind.raft.rawValue)
            writer.message(message)
        case .forward(let requestID, let payload):
            writer.byte(FrameKind.forward.rawValue)
            writer.varint(requestID)
            writer.data(payload)
        case .forwardReply(let requestID, let payload):
            writer.byte(FrameKind.forwardReply.rawValue)
            writer.varint(requestID)
            writer.data(payload)
        }
        swap(&writer.bytes, &bytes)
        let length = bytes.count - start - prefixBytes
        precondition(length <= Int(UInt32.max), "frame of \(length) bytes does not fit a u32 length")
        for i in 0..<prefixBytes {
            bytes[start + i] = UInt8(truncatingIfNeeded: UInt32(length) >> UInt32(24 - 8 * i))
        }
    }

    /// The number of bytes that follow a length prefix, once checked against the limit.
    ///
    /// - Throws: `PeerCodecError` `.tooLarge` past `frameBytesMax`, `.truncated` when the
    ///   length cannot even hold the version and kind bytes.
    public static func bodyLength(prefix: UInt32, frameBytesMax: Int) throws(PeerCodecError) -> Int {
        guard UInt64(prefix) <= UInt64(max(0, frameBytesMax)) else {
            throw PeerCodecError(code: .tooLarge, message: "frame of \(prefix) bytes is past the limit of \(frameBytesMax)", offset: 0)
        }
        guard prefix >= 2 else {
            throw PeerCodecError(code: .truncated, message: "frame of \(prefix) bytes has no version and kind", offset: 0)
        }
        return Int(prefix)
    }

    /// Decodes one whole frame, length prefix included; `bytes` must hold exactly one frame.
    ///
    /// - Throws: `PeerCodecError` for anything truncated or garbled, an unknown version or
    ///   kind, bytes after the frame, or a length past `frameBytesMax`.
    public static func decode(_ bytes: [UInt8], frameBytesMax: Int = frameBytesMaxDefault) throws(PeerCodecError) -> PeerFrame {
        guard bytes.count >= prefixBytes else {
            throw PeerCodecError(code: .truncated, message: "\(bytes.count) bytes cannot hold a length prefix", offset: 0)
        }
        var prefix: UInt32 = 0
        for i in 0..<prefixBytes { prefix = prefix << 8 | UInt32(bytes[i]) }
        let length = try bodyLength(prefix: prefix, frameBytesMax: frameBytesMax)
        let available = bytes.count - prefixBytes
        guard available >= length else {
            throw PeerCodecError(code: .truncated, message: "frame of \(length) bytes, only \(available) present", offset: prefixBytes)
        }
        guard available == length else {
            throw PeerCodecError(code: .trailingBytes, message: "\(available - length) bytes after the frame", offset: prefixBytes + length)
        }
        let result: Result<PeerFrame, PeerCodecError> = bytes.withUnsafeBytes { raw in
            Result { () throws(PeerCodecError) -> PeerFrame in
                try decode(body: UnsafeRawBufferPointer(rebasing: raw[prefixBytes...]))
            }
        }
        do {
            return try result.get()
        } catch {
            throw PeerCodecError(code: error.code, message: error.message, offset: error.offset + prefixBytes)
        }
    }

    /// Decodes a frame body: the bytes after the length prefix, exactly as many as it said.
    ///
    /// - Throws: `PeerCodecError` for anything truncated or garbled, an unknown version or
    ///   kind, or bytes after the frame; offsets count from the start of `body`.
    public static func decode(body: UnsafeRawBufferPointer) throws(PeerCodecError) -> PeerFrame {
        var reader = PeerByteReader(body)
        let version = try reader.byte()
        guard version == frameVersion else {
            throw PeerCodecError(code: .unsupportedVersion, message: "frame version \(version), this build reads \(frameVersion)", offset: 0)
        }
        let kindByte = try reader.byte()
        guard let kind = FrameKind(rawValue: kindByte) else {
            throw PeerCodecError(code: .unknownKind, message: "unknown frame kind \(kindByte)", offset: 1)
        }
        let frame: PeerFrame
        switch kind {
        case .hello:
            frame = .hello(try reader.hello())
        case .raft:
            frame = .raft(try reader.message())
        case .forward:
            let requestID = try reader.varint()
            frame = .forward(requestID: requestID, payload: try reader.data())
        case .forwardReply:
            let requestID = try reader.varint()
            frame = .forwardReply(requestID: requestID, payload: try reader.data())
        }
        try reader.expectEnd()
        return frame
    }
}

extension PeerByteReader {
    /// Reads the body of a hello frame.
    mutating func hello() throws(PeerCodecError) -> PeerHello {
        let protocolVersion = try uint16()
        let clusterID = try string()
        let nameOffset = offset
        let nameText = try string()
        guard let name = MemberName(nameText) else {
            throw PeerCodecError(code: .invalidValue, message: "member name \(nameText.debugDescription) is not valid", offset: nameOffset)
        }
        let httpAddress = try string()
        return PeerHello(protocolVersion: protocolVersion, clusterID: clusterID, name: name, httpAddress: httpAddress)
    }
}
