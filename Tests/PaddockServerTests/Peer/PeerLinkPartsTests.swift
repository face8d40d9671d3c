import Logging
import NIOCore
import NIOPosix
import PaddockAPI
#if canImport(Glibc)
import Glibc
#endif
@testable import PaddockServer
import RaftCore
import Testing

@Suite("Peer link parts")
struct PeerLinkPartsTests {
    @Test("backoff grows from min to max with jitter and resets")
    func backoff() {
        var backoff = ReconnectBackoff(minMs: 50, maxMs: 2_000)
        var generator = SplitMix64(seed: 7)
        var delays: [Int64] = []
        for _ in 0..<12 { delays.append(backoff.nextDelayMs(using: &generator)) }
        #expect(delays.allSatisfy { (50...2_000).contains($0) })
        #expect(delays[0] == 50)
        #expect((50...100).contains(delays[1]))
        #expect((100...200).contains(delays[2]))
        #expect(delays.suffix(4).allSatisfy { (1_000...2_000).contains($0) })
        backoff.reset()
        #expect(backoff.nextDelayMs(using: &generator) == 50)
        for _ in 0..<200 { _ = backoff.nextDelayMs(using: &generator) }
        #expect((1_000...2_000).contains(backoff.nextDelayMs(using: &generator)))
    }

    @Test("peer addresses parse", arguments: [
        ("127.0.0.1:7000", "127.0.0.1", 7000),
        ("node-1.example:1", "node-1.example", 1),
        ("[::1]:65535", "::1", 65535),
    ])
    func addresses(text: String, host: String, port: Int) {
        let address = try? PeerAddress(parsing: text)
        #expect(address?.host == host)
        #expect(address?.port == port)
        #expect(address?.description == text)
    }

    @Test("malformed peer addresses are refused", arguments: ["", "host", ":80", "host:0", "host:65536", "::1:80", "h:x"])
    func badAddresses(text: String) {
        #expect((try? PeerAddress(parsing: text)) == nil)
    }

    @Test("a link queues up to outboundQueueBytesMax and drops past it")
    func queueLimit() async throws {
        var configuration = PeerTransport.Configuration(
            clusterID: "c", selfName: MemberName("n1")!, httpAddress: "h:1", listenHost: "127.0.0.1", listenPort: 0)
        configuration.frameBytesMax = PeerTransport.Configuration.frameBytesFloor
        configuration.outboundQueueBytesMax = 3 << 20
        // Never started, so nothing is dialed and everything queued stays queued.
        let link = PeerLink(
            name: MemberName("n2")!, address: "127.0.0.1:1", eventLoop: MultiThreadedEventLoopGroup.singleton.next(),
            configuration: configuration, logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() })
        let frame = PeerCodec.encode(.forward(requestID: 1, payload: Array(repeating: 0, count: 1 << 20)))
        #expect(link.enqueue(frame, frameCount: 1))
        #expect(link.enqueue(frame, frameCount: 1))
        #expect(!link.enqueue(frame, frameCount: 1))
        #expect(link.enqueue([0, 0, 0, 2, 1, 9], frameCount: 1))
        try await link.close().get()
        #expect(!link.enqueue([0, 0, 0, 2, 1, 9], frameCount: 1))
    }

    #if os(Linux)
    @Test("dialed connections carry TCP_NODELAY and the send stall timeout")
    func socketOptions() async throws {
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        var configuration = PeerTransport.Configuration(
            clusterID: "c", selfName: MemberName("n1")!, httpAddress: "h:1", listenHost: "127.0.0.1", listenPort: 0)
        configuration.sendStallTimeoutMs = 1_234
        let channel = try await PeerLink.bootstrap(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration)
            .connect(host: "127.0.0.1", port: listener.localAddress!.port!).get()
        let userTimeout = ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: CInt(TCP_USER_TIMEOUT)))
        let timeout = try await channel.getOption(userTimeout).get()
        let noDelay = try await channel.getOption(.socketOption(.tcp_nodelay)).get()
        #expect(Int32(truncatingIfNeeded: timeout) == 1_234)
        #expect(noDelay != 0)
        try await channel.close()
        try await listener.close()
    }
    #endif
}
