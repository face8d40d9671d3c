import Logging
@testable import PaddockServer
import NIOCore
import NIOPosix
import RaftCore
import Synchronization

/// Collects what a transport delivers, for tests to wait on.
final class PeerFrameCollector: Sendable {
    private let frames = Mutex<[(MemberName, PeerFrame)]>([])

    /// The callback to hand to `PeerTransport.start`.
    var onFrame: @Sendable (MemberName, PeerFrame) -> Void {
        { sender, frame in self.frames.withLock { $0.append((sender, frame)) } }
    }

    /// Everything delivered so far, in delivery order.
    var all: [(MemberName, PeerFrame)] { frames.withLock { $0 } }

    var count: Int { frames.withLock { $0.count } }

    /// The forward request ids delivered so far, in order.
    var forwardIDs: [UInt64] {
        all.compactMap { _, frame in
            if case .forward(let id, _) = frame { return id }
            return nil
        }
    }
}

/// Keeps log messages at `.notice` and above so tests can wait for a refusal.
final class PeerLogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    /// A logger writing into this capture.
    func logger(label: String = "test") -> Logger {
        Logger(label: label) { _ in PeerCapturingLogHandler(capture: self) }
    }

    func record(_ line: String) { lines.withLock { $0.append(line) } }

    /// Every captured line containing `text`.
    func lines(containing text: String) -> [String] {
        lines.withLock { $0.filter { $0.contains(text) } }
    }
}

struct PeerCapturingLogHandler: LogHandler {
    let capture: PeerLogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .notice

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        capture.record("\(event.level) \(event.message) \(rendered)")
    }
}

/// Starts a transport on 127.0.0.1 with a port picked by the system and fast backoff.
func startPeerTransport(
    name: String, clusterID: String = "test-cluster", peers: [MemberName: String] = [:], port: Int = 0,
    collector: PeerFrameCollector, logger: Logger = Logger(label: "peer-test") { _ in SwiftLogNoOpLogHandler() }
) async throws -> PeerTransport {
    var configuration = PeerTransport.Configuration(
        clusterID: clusterID, selfName: MemberName(name)!, httpAddress: peerHTTPAddress(of: name),
        listenHost: "127.0.0.1", listenPort: port)
    configuration.reconnectBackoffMinMs = 10
    configuration.reconnectBackoffMaxMs = 100
    return try await PeerTransport.start(
        configuration: configuration, peers: peers, group: MultiThreadedEventLoopGroup.singleton, logger: logger,
        onFrame: collector.onFrame)
}

/// The HTTP address a test transport named `name` announces.
func peerHTTPAddress(of name: String) -> String { "http.\(name).test:8080" }

/// A port that was free a moment ago (bound, read and closed), for a peer that starts later.
func freeLoopbackPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    return port
}
