/// What a cluster member needs from the network between members.
///
/// `PeerTransport` is the real one (TCP); tests connect members in one process with an
/// in-memory link. Sending never blocks and may drop: Raft resends what matters and
/// forwarded requests time out.
public protocol PeerNetwork: AnyObject, Sendable {
    /// Queues `frame` for `peer`; dropped when the peer is unknown or unreachable.
    func send(_ frame: PeerFrame, to peer: MemberName)
    /// The members to keep connections to (name → `host:port`), after a membership change.
    func setPeers(_ peers: [MemberName: String])
    /// The HTTP addresses members announced, by name.
    func httpAddresses() -> [MemberName: String]
}

extension PeerTransport: PeerNetwork {}
