import PaddockServer
import RaftCore
import Synchronization

/// An in-memory cluster for HTTP tests: membership changes apply at once to a member
/// list, and a set error is thrown instead when given. Records every call it takes, so a
/// test can check that a refused request never reached it.
final class FakeCluster: ClusterControl {
    private struct State {
        var status: ClusterStatus
        var failure: ClusterError?
        var calls: [String] = []
    }

    private let state: Mutex<State>

    /// Three voters n1 (leader), n2, n3 in term 4, commit 17, applied 16.
    init() {
        var members: [MemberStatus] = []
        for number in 1...3 {
            let name = MemberName("n\(number)")!
            let peerPort = 7_189 + number
            let httpPort = 7_179 + number
            members.append(
                MemberStatus(
                    name: name, role: number == 1 ? .leader : .follower,
                    peerAddress: "127.0.0.1:\(peerPort)", httpAddress: "127.0.0.1:\(httpPort)",
                    matchIndex: LogIndex(UInt64(18 - number)), lagEntries: UInt64(number - 1)))
        }
        let status = ClusterStatus(
            clusterID: "test-cluster", selfName: MemberName("n1")!, leader: MemberName("n1")!,
            term: Term(4), commitIndex: LogIndex(17), appliedIndex: LogIndex(16), members: members)
        state = Mutex(State(status: status))
    }

    /// Every call taken, as `"operation name [argument]"`.
    var calls: [String] { state.withLock { $0.calls } }

    /// Makes every change throw `failure` (nil: succeed again).
    func fail(with failure: ClusterError?) { state.withLock { $0.failure = failure } }

    func clusterStatus() -> ClusterStatus { state.withLock { $0.status } }

    func addLearner(name: MemberName, peerAddress: String) async throws(ClusterError) -> ClusterStatus {
        try change("add \(name) \(peerAddress)") { status throws(ClusterError) in
            guard !status.members.contains(where: { $0.name == name }) else {
                throw ClusterError(code: .badRequest, message: "member \(name) exists")
            }
            status.members.append(
                MemberStatus(name: name, role: .learner, peerAddress: peerAddress, httpAddress: nil, matchIndex: nil, lagEntries: nil))
            status.members.sort { $0.name < $1.name }
        }
    }

    func promote(name: MemberName) async throws(ClusterError) -> ClusterStatus {
        try change("promote \(name)") { status throws(ClusterError) in
            let position = try Self.position(of: name, in: status)
            guard status.members[position].role == .learner else {
                throw ClusterError(code: .badRequest, message: "member \(name) is a voter")
            }
            status.members[position].role = .follower
        }
    }

    func remove(name: MemberName) async throws(ClusterError) -> ClusterStatus {
        try change("remove \(name)") { status throws(ClusterError) in
            status.members.remove(at: try Self.position(of: name, in: status))
        }
    }

    func transferLeadership(to name: MemberName?) async throws(ClusterError) -> ClusterStatus {
        try change("transfer \(name?.rawValue ?? "-")") { status throws(ClusterError) in
            let target = name ?? MemberName("n2")!
            let position = try Self.position(of: target, in: status)
            for index in status.members.indices where status.members[index].role == .leader {
                status.members[index].role = .follower
            }
            status.members[position].role = .leader
            status.leader = target
            status.term = Term(status.term.rawValue + 1)
        }
    }

    private func change(_ call: String, _ body: (inout ClusterStatus) throws(ClusterError) -> Void)
        throws(ClusterError) -> ClusterStatus
    {
        let outcome: Result<ClusterStatus, ClusterError> = state.withLock { state in
            state.calls.append(call)
            if let failure = state.failure { return .failure(failure) }
            var status = state.status
            do throws(ClusterError) {
                try body(&status)
            } catch {
                return .failure(error)
            }
            state.status = status
            return .success(status)
        }
        return try outcome.get()
    }

    private static func position(of name: MemberName, in status: ClusterStatus) throws(ClusterError) -> Int {
        guard let position = status.members.firstIndex(where: { $0.name == name }) else {
            throw ClusterError(code: .notFound, message: "no member \(name)")
        }
        return position
    }
}
