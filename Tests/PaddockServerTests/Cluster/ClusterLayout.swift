/// Who is in a test cluster and where each member reaches each other one: the command
/// lines of its `paddock serve` processes, built without starting anything.
///
/// Members listen for peers on `peerPorts`. With per-pair proxies, member `i` reaches
/// member `j` at `linkPorts[i][j]` (the proxy of the link i→j) instead of `j`'s real port;
/// a member's own entry is always its real port, where it listens.
struct ClusterLayout: Sendable, Equatable {
    /// The host every member and proxy listens on.
    static let host = "127.0.0.1"

    /// The cluster id given to every member.
    var clusterID = "paddock-test"
    /// Member names in the order they were added.
    var names: [String] = []
    /// Each member's real peer port.
    var peerPorts: [String: Int] = [:]
    /// `linkPorts[from][to]`: where `from` reaches `to` when a proxy sits between them.
    var linkPorts: [String: [String: Int]] = [:]

    /// Adds a member listening for peers on `peerPort`.
    mutating func add(_ name: String, peerPort: Int) {
        precondition(peerPorts[name] == nil, "member \(name) added twice")
        names.append(name)
        peerPorts[name] = peerPort
    }

    /// The port `from` dials to reach `to`: its own real port for itself, else the proxy of
    /// the link when there is one, else `to`'s real port.
    func port(from: String, to: String) -> Int {
        guard let real = peerPorts[to] else { preconditionFailure("no member \(to) in \(names)") }
        if from == to { return real }
        return linkPorts[from]?[to] ?? real
    }

    /// The `--peers` value of `name`, listing `members` (sorted by name) as `name` reaches them.
    func peersFlag(for name: String, members: [String]) -> String {
        members.sorted().map { "\($0)=\(Self.host):\(port(from: name, to: $0))" }.joined(separator: ",")
    }

    /// The cluster arguments of `paddock serve` for `name` (after `--listen` and
    /// `--data-dir`): id, peers, cluster id, `--join` for a new member, then `extra`.
    ///
    /// A founding member lists the founders; a joining member lists the members it may
    /// contact and itself.
    func arguments(for name: String, members: [String], joining: Bool, extra: [String] = []) -> [String] {
        precondition(members.contains(name), "\(name) must be among its own peers \(members)")
        var arguments = ["--id", name, "--peers", peersFlag(for: name, members: members), "--cluster-id", clusterID]
        if joining { arguments.append("--join") }
        return arguments + extra
    }
}
