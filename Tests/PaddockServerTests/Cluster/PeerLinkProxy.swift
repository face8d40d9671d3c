/// A TCP proxy on the link from one member to another, which a partition test cuts and
/// heals.
///
/// The requirements are `async throws` so that the peer tests' `TCPProxy` conforms
/// whether its methods wait or throw. Cutting is a blackhole: connections are accepted but
/// nothing is forwarded, which is what a partition looks like to both ends.
protocol PeerLinkProxy: Sendable {
    /// The loopback port the proxy listens on (what the dialing member is told).
    var port: Int { get }
    /// Stops forwarding in both directions until `heal`.
    func cut() async throws
    /// Forwards again.
    func heal() async throws
    /// Closes the listener and every connection.
    func close() async
}

/// Starts a proxy to `target` for the cluster tests.
typealias PeerLinkProxyStarter = @Sendable (_ target: (host: String, port: Int)) async throws -> any PeerLinkProxy

/// The proxy the partition tests use: the peer tests' `TCPProxy`.
enum PeerLinkProxies {
    /// Starts a `TCPProxy` to `target`.
    static let start: PeerLinkProxyStarter = { target in
        try await TCPProxy.start(target: target)
    }
}

extension TCPProxy: PeerLinkProxy {}
