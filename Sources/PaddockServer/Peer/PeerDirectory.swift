import NIOCore
import RaftCore
import Synchronization

/// The peer transport's shared state: the peer links by name and node id, the HTTP
/// addresses learnt from hellos, and the accepted connections to close on shutdown.
///
/// Read and written from any thread under one lock held only for short map operations.
final class PeerDirectory: Sendable {
    private struct State {
        var links: [MemberName: PeerLink] = [:]
        var namesByID: [NodeID: MemberName] = [:]
        var httpAddresses: [MemberName: String] = [:]
        var inbound: [ObjectIdentifier: any Channel] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// The link to `name`, if it is a peer.
    func link(for name: MemberName) -> PeerLink? {
        state.withLock { $0.links[name] }
    }

    /// The link to the peer whose Raft node id is `id`.
    func link(for id: NodeID) -> PeerLink? {
        state.withLock { state in state.namesByID[id].flatMap { state.links[$0] } }
    }

    /// The peers linked now: name → address.
    func peers() -> [MemberName: String] {
        state.withLock { state in state.links.mapValues(\.address) }
    }

    /// Whether `name` is in the directory.
    func isKnown(_ name: MemberName) -> Bool {
        state.withLock { $0.links[name] != nil }
    }

    /// Records the HTTP address a peer announced.
    func learn(_ hello: PeerHello) {
        state.withLock { $0.httpAddresses[hello.name] = hello.httpAddress }
    }

    /// The HTTP addresses learnt so far.
    func httpAddresses() -> [MemberName: String] {
        state.withLock { $0.httpAddresses }
    }

    /// Tracks an accepted connection until it closes; false once the transport is closed.
    func admit(_ channel: any Channel) -> Bool {
        let key = ObjectIdentifier(channel)
        let admitted = state.withLock { state in
            guard !state.closed else { return false }
            state.inbound[key] = channel
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { _ in self.state.withLock { _ = $0.inbound.removeValue(forKey: key) } }
        }
        return admitted
    }

    /// Replaces the peers with `peers`, creating links with `makeLink` for new names and
    /// changed addresses. Returns the links to start and the links to close; nothing once
    /// the transport is closed.
    func replace(
        with peers: [MemberName: String], makeLink: (MemberName, String) -> PeerLink
    ) -> (added: [PeerLink], removed: [PeerLink]) {
        state.withLock { state in
            guard !state.closed else { return ([], []) }
            var added: [PeerLink] = []
            var removed: [PeerLink] = []
            for (name, link) in state.links.sorted(by: { $0.key < $1.key }) where peers[name] != link.address {
                removed.append(link)
                state.links[name] = nil
                if peers[name] == nil { state.httpAddresses[name] = nil }
            }
            for (name, address) in peers.sorted(by: { $0.key < $1.key }) where state.links[name] == nil {
                let link = makeLink(name, address)
                state.links[name] = link
                added.append(link)
            }
            // Two names hashing to one node id are refused when a member is added; should it
            // happen anyway, the first name in order keeps the id rather than trapping here.
            state.namesByID = Dictionary(state.links.keys.sorted().map { ($0.nodeID, $0) }, uniquingKeysWith: { first, _ in first })
            return (added, removed)
        }
    }

    /// Marks the transport closed and hands back everything to close.
    func close() -> (links: [PeerLink], inbound: [any Channel]) {
        state.withLock { state in
            state.closed = true
            defer {
                state.links = [:]
                state.namesByID = [:]
                state.inbound = [:]
            }
            return (Array(state.links.values), Array(state.inbound.values))
        }
    }
}
