import PaddockServer
import Synchronization

/// Members of one test process connected without sockets: a frame sent is handed to the
/// receiving member at once, unless the test cut the link between the two.
final class LocalPeerNetwork: Sendable {
    private let members = Mutex<[MemberName: ClusterReplica]>([:])
    private let cuts = Mutex<Set<[MemberName]>>([])

    func attach(_ replica: ClusterReplica, as name: MemberName) {
        members.withLock { $0[name] = replica }
    }

    func detach(_ name: MemberName) {
        members.withLock { $0[name] = nil }
    }

    /// Drops every frame from `a` to `b` (one way) until `heal`.
    func cut(from a: MemberName, to b: MemberName) {
        cuts.withLock { _ = $0.insert([a, b]) }
    }

    /// Cuts `name` off from everyone, both ways.
    func isolate(_ name: MemberName, from others: [MemberName]) {
        for other in others where other != name {
            cut(from: name, to: other)
            cut(from: other, to: name)
        }
    }

    func heal() {
        cuts.withLock { $0.removeAll() }
    }

    func deliver(_ frame: PeerFrame, from: MemberName, to: MemberName) {
        guard !cuts.withLock({ $0.contains([from, to]) }) else { return }
        members.withLock { $0[to] }?.receive(frame, from: from)
    }

    func link(for name: MemberName) -> LocalPeerLink {
        LocalPeerLink(network: self, name: name)
    }
}

/// One member's end of a `LocalPeerNetwork`.
final class LocalPeerLink: PeerNetwork {
    let network: LocalPeerNetwork
    let name: MemberName

    init(network: LocalPeerNetwork, name: MemberName) {
        self.network = network
        self.name = name
    }

    func send(_ frame: PeerFrame, to peer: MemberName) {
        network.deliver(frame, from: name, to: peer)
    }

    func setPeers(_ peers: [MemberName: String]) {}

    func httpAddresses() -> [MemberName: String] { [:] }
}
