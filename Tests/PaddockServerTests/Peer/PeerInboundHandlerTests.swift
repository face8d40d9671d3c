import Logging
import NIOCore
import NIOEmbedded
@testable import PaddockServer
import RaftCore
import Testing

/// The accepting side of a peer connection, driven on an `EmbeddedChannel` without sockets.
@Suite("Peer inbound handler")
struct PeerInboundHandlerTests {
    let n1 = MemberName("n1")!
    let n2 = MemberName("n2")!

    func makeChannel(collector: PeerFrameCollector, logs: PeerLogCapture, frameBytesMax: Int = 1 << 16) throws -> EmbeddedChannel {
        let context = PeerInboundContext(
            clusterID: "c1", selfName: n2, isKnownPeer: { $0.rawValue == "n1" }, acceptHello: { _ in },
            onFrame: collector.onFrame, helloTimeoutMs: 5_000, logger: logs.logger())
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(PeerFrameDecoder(frameBytesMax: frameBytesMax)))
        try channel.pipeline.syncOperations.addHandler(PeerInboundHandler(context: context))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    func bytes(_ frames: [PeerFrame]) -> ByteBuffer {
        var raw: [UInt8] = []
        for frame in frames { PeerCodec.encode(frame, appendingTo: &raw) }
        return ByteBuffer(bytes: raw)
    }

    func hello(_ name: MemberName, clusterID: String = "c1", version: UInt16 = PeerCodec.protocolVersion) -> PeerFrame {
        .hello(PeerHello(protocolVersion: version, clusterID: clusterID, name: name, httpAddress: "h:1"))
    }

    @Test("after a hello, frames split across reads are delivered in order with the hello's name")
    func delivers() throws {
        let collector = PeerFrameCollector()
        let channel = try makeChannel(collector: collector, logs: PeerLogCapture())
        let frames: [PeerFrame] = (0..<5).map { .forward(requestID: UInt64($0), payload: [UInt8($0)]) }
        let all = bytes([hello(n1)] + frames)
        // One byte at a time: the decoder must wait for whole frames.
        for i in 0..<all.readableBytes {
            try channel.writeInbound(all.getSlice(at: i, length: 1)!)
        }
        #expect(collector.all.map(\.0) == Array(repeating: n1, count: 5))
        #expect(collector.all.map(\.1) == frames)
        #expect(channel.isActive)
        _ = try? channel.finish()
    }

    @Test("a connection is closed without delivering anything when its hello is wrong", arguments: [
        "cluster", "version", "notHello", "self", "secondHello",
    ])
    func refuses(which: String) throws {
        let collector = PeerFrameCollector()
        let logs = PeerLogCapture()
        let channel = try makeChannel(collector: collector, logs: logs)
        let payload: [PeerFrame] = [.forward(requestID: 1, payload: [])]
        let first: [PeerFrame]
        switch which {
        case "cluster": first = [hello(n1, clusterID: "c2")]
        case "version": first = [hello(n1, version: 2)]
        case "notHello": first = []
        case "self": first = [hello(n2)]
        default: first = [hello(n1), hello(n1)]
        }
        _ = try? channel.writeInbound(bytes(first + payload))
        #expect(!channel.isActive)
        #expect(collector.count == 0)
        #expect(!logs.lines(containing: "refused").isEmpty)
        if which == "cluster" {
            #expect(logs.lines(containing: "c1").contains { $0.contains("c2") })
        }
    }

    @Test("an unknown member is accepted and logged")
    func unknownMember() throws {
        let collector = PeerFrameCollector()
        let logs = PeerLogCapture()
        let channel = try makeChannel(collector: collector, logs: logs)
        let learner = MemberName("n9")!
        try channel.writeInbound(bytes([hello(learner), .forward(requestID: 3, payload: [])]))
        #expect(collector.all.map(\.0) == [learner])
        #expect(logs.lines(containing: "not in the directory").count == 1)
        _ = try? channel.finish()
    }

    @Test("a length prefix past the limit closes the connection")
    func oversized() throws {
        let collector = PeerFrameCollector()
        let logs = PeerLogCapture()
        let channel = try makeChannel(collector: collector, logs: logs, frameBytesMax: 100)
        var buffer = bytes([hello(n1)])
        buffer.writeInteger(UInt32(101))
        _ = try? channel.writeInbound(buffer)
        #expect(!channel.isActive)
        #expect(collector.count == 0)
        #expect(logs.lines(containing: "tooLarge").count == 1)
    }

    @Test("a connection that sends no hello in time is closed; one that does is kept")
    func helloTimeout() throws {
        let logs = PeerLogCapture()
        let silent = try makeChannel(collector: PeerFrameCollector(), logs: logs)
        let greeted = try makeChannel(collector: PeerFrameCollector(), logs: logs)
        try greeted.writeInbound(bytes([hello(n1)]))
        silent.embeddedEventLoop.advanceTime(by: .milliseconds(4_999))
        greeted.embeddedEventLoop.advanceTime(by: .milliseconds(4_999))
        #expect(silent.isActive && greeted.isActive)
        silent.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        greeted.embeddedEventLoop.advanceTime(by: .milliseconds(10_000))
        #expect(!silent.isActive)
        #expect(greeted.isActive)
        #expect(logs.lines(containing: "no hello within 5000 ms").count == 1)
        _ = try? greeted.finish()
    }
}
