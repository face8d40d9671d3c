/// A peer's `host:port`, split for dialing.
///
/// Accepts `name:port`, `1.2.3.4:port` and `[v6]:port`; the port must be 1...65535.
struct PeerAddress: Sendable, Equatable, CustomStringConvertible {
    /// The host name or address, without IPv6 brackets.
    var host: String
    /// The TCP port.
    var port: Int

    /// The address, or nil when `text` is not `host:port`.
    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = text[..<colon]
        guard let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") && host.count >= 2 {
            host = host.dropFirst().dropLast()
        } else if host.contains(":") {
            return nil
        }
        guard !host.isEmpty else { return nil }
        self.host = String(host)
        self.port = port
    }

    /// `host:port`, with brackets around an IPv6 host.
    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
