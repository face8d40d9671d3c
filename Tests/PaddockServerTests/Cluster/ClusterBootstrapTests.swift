import PaddockAPI
import PaddockServer
import Testing

/// The cluster flags of `paddock serve`, read by `ClusterBootstrap.parse`.
@Suite struct ClusterBootstrapTests {
    static let threePeers = "n1=127.0.0.1:7190,n2=127.0.0.1:7191,n3=127.0.0.1:7192"

    @Test func noClusterFlagsMeansASingleNode() throws {
        #expect(try ClusterBootstrap.parse(id: nil, peers: nil) == nil)
    }

    @Test func threeMembers() throws {
        let bootstrap = try #require(try ClusterBootstrap.parse(id: "n2", peers: Self.threePeers))
        #expect(bootstrap.clusterID == "paddock")
        #expect(bootstrap.selfName.rawValue == "n2")
        #expect(bootstrap.selfPeerAddress.host == "127.0.0.1")
        #expect(bootstrap.selfPeerAddress.port == 7191)
        #expect(bootstrap.joining == false)
        #expect(bootstrap.electionTimeoutMs == 1_000)
        #expect(bootstrap.heartbeatIntervalMs == 100)
        #expect(
            bootstrap.peers == [
                MemberName("n1")!: "127.0.0.1:7190", MemberName("n2")!: "127.0.0.1:7191", MemberName("n3")!: "127.0.0.1:7192",
            ])
        #expect(bootstrap.otherMembers.map(\.name.rawValue) == ["n1", "n3"])
        #expect(bootstrap.otherMembers.map(\.peerAddress) == ["127.0.0.1:7190", "127.0.0.1:7192"])
    }

    @Test func everyOptionIsKept() throws {
        let bootstrap = try #require(
            try ClusterBootstrap.parse(
                id: "n4", peers: " n1=localhost:7190 , n4=[::1]:7193", clusterID: "prod-eu.1", join: true,
                electionTimeoutMs: 500, heartbeatIntervalMs: 50))
        #expect(bootstrap.clusterID == "prod-eu.1")
        #expect(bootstrap.joining)
        #expect(bootstrap.selfPeerAddress == (try PeerAddress(host: "::1", port: 7193)))
        #expect(bootstrap.peers[MemberName("n4")!] == "[::1]:7193")
        #expect(bootstrap.peers[MemberName("n1")!] == "localhost:7190")
        #expect(bootstrap.electionTimeoutMs == 500)
        #expect(bootstrap.heartbeatIntervalMs == 50)
    }

    @Test func oneMemberClusterIsAllowed() throws {
        let bootstrap = try #require(try ClusterBootstrap.parse(id: "solo", peers: "solo=127.0.0.1:7190"))
        #expect(bootstrap.otherMembers.isEmpty)
    }

    @Test(arguments: [
        (nil, "n1=127.0.0.1:7190", nil, false, "--peers", "needs --id"),
        ("n1", nil, nil, false, "--id", "needs --peers"),
        (nil, nil, nil, true, "--join", "needs --id"),
        (nil, nil, "other", false, "--cluster-id", "needs --id"),
        ("n4", threePeers, nil, false, "--peers", "does not name this member n4"),
        ("n1", "n1=127.0.0.1:7190,n1=127.0.0.1:7191", nil, false, "--peers", "named twice"),
        ("n1", "n1=127.0.0.1:7190,n2=127.0.0.1:7190", nil, false, "--peers", "share the address"),
        ("n1", "n1=127.0.0.1:7190,,n2=127.0.0.1:7191", nil, false, "--peers", "entry 2"),
        ("n1", "n1=127.0.0.1:7190,", nil, false, "--peers", "entry 2"),
        ("n1", "n1 127.0.0.1:7190", nil, false, "--peers", "NAME=HOST:PORT"),
        ("n1", "n1=127.0.0.1:7190,n 2=127.0.0.1:7191", nil, false, "--peers", "not a member name"),
        ("n1", "n1=127.0.0.1:7190,=127.0.0.1:7191", nil, false, "--peers", "not a member name"),
        ("n1", "n1=127.0.0.1", nil, false, "--peers", "member n1"),
        ("n1", "n1=127.0.0.1:0", nil, false, "--peers", "1...65535"),
        ("n1", "n1=127.0.0.1:70000", nil, false, "--peers", "1...65535"),
        ("n1", "n1=:7190", nil, false, "--peers", "host is empty"),
        ("n1", "n1=::1:7190", nil, false, "--peers", "brackets"),
        ("n1", "n1=[::1:7190", nil, false, "--peers", "'['"),
        ("n1", "n1=[127.0.0.1]:7190", nil, false, "--peers", "not IPv6"),
        ("n1", "n1=host name:7190", nil, false, "--peers", "may only hold"),
        ("n1/x", "n1=127.0.0.1:7190", nil, false, "--id", "not 1 to 64"),
        ("n1", "n1=127.0.0.1:7190", "", false, "--cluster-id", "not 1 to 64"),
        ("n1", "n1=127.0.0.1:7190", "a b", false, "--cluster-id", "not 1 to 64"),
        ("n1", "n1=127.0.0.1:7190", nil, true, "--join", "at least one existing member"),
    ] as [(String?, String?, String?, Bool, String, String)])
    func badFlagsAreRefusedNamingTheFlag(
        id: String?, peers: String?, clusterID: String?, join: Bool, flag: String, messagePart: String
    ) {
        do {
            let bootstrap = try ClusterBootstrap.parse(id: id, peers: peers, clusterID: clusterID, join: join)
            Issue.record("accepted: \(String(describing: bootstrap))")
        } catch {
            #expect(error.flag == flag)
            #expect(error.message.contains(messagePart), "\(error)")
            #expect(error.description.hasPrefix(flag + ": "))
        }
    }

    @Test(arguments: [
        (1_000, 0, "--heartbeat-interval-ms"),
        (1_000, -5, "--heartbeat-interval-ms"),
        (499, 100, "--election-timeout-ms"),
        (60_001, 100, "--election-timeout-ms"),
        (0, 100, "--election-timeout-ms"),
    ])
    func timingsAreBounded(electionTimeoutMs: Int, heartbeatIntervalMs: Int, flag: String) {
        #expect(throws: ClusterBootstrapError.self) {
            try ClusterBootstrap.parse(
                id: "n1", peers: "n1=127.0.0.1:7190", electionTimeoutMs: electionTimeoutMs,
                heartbeatIntervalMs: heartbeatIntervalMs)
        }
        do {
            _ = try ClusterBootstrap.parse(
                id: "n1", peers: "n1=127.0.0.1:7190", electionTimeoutMs: electionTimeoutMs,
                heartbeatIntervalMs: heartbeatIntervalMs)
        } catch {
            #expect(error.flag == flag)
        }
    }

    @Test func fiveHeartbeatsPerElectionIsTheLowestAccepted() throws {
        let bootstrap = try ClusterBootstrap.parse(
            id: "n1", peers: "n1=127.0.0.1:7190", electionTimeoutMs: 500, heartbeatIntervalMs: 100)
        #expect(bootstrap?.electionTimeoutMs == 500)
    }

    @Test func namesDifferingInCaseAreDistinctMembers() throws {
        #expect(MemberName("node")!.nodeID != MemberName("NODE")!.nodeID)
        let bootstrap = try ClusterBootstrap.parse(id: "node", peers: "node=127.0.0.1:1,NODE=127.0.0.1:2")
        #expect(bootstrap?.peers.count == 2)
    }
}

/// `host:port` parsing shared by `--peers` and `POST /v1/cluster/members`.
@Suite struct PeerAddressTests {
    @Test(arguments: [
        ("127.0.0.1:7190", "127.0.0.1", 7190, "127.0.0.1:7190"),
        ("localhost:1", "localhost", 1, "localhost:1"),
        ("db-1.example_x:65535", "db-1.example_x", 65_535, "db-1.example_x:65535"),
        ("[::1]:7190", "::1", 7190, "[::1]:7190"),
        ("[fe80::1:2]:80", "fe80::1:2", 80, "[fe80::1:2]:80"),
        ("[::ffff:10.0.0.1]:9", "::ffff:10.0.0.1", 9, "[::ffff:10.0.0.1]:9"),
        ("h:007", "h", 7, "h:7"),
    ])
    func valid(text: String, host: String, port: Int, description: String) throws {
        let address = try PeerAddress(parsing: text)
        #expect(address.host == host)
        #expect(address.port == port)
        #expect(address.description == description)
        #expect(try PeerAddress(parsing: address.description) == address)
    }

    @Test(arguments: [
        "", ":", "host", "host:", ":80", "host:0", "host:65536", "host:123456", "host:-1", "host:+80", "host: 80",
        "host:8o", "::1:80", "[::1]", "[::1:80", "[]:80", "[host]:80", "[1.2.3.4]:80", "a b:80", "a/b:80", "a@b:80",
        "[::1]x:80", "h\u{0}:80",
    ])
    func invalid(text: String) {
        #expect(throws: PeerAddressError.self) { try PeerAddress(parsing: text) }
    }

    @Test func longHostsAreRefused() {
        let long = String(repeating: "a", count: PeerAddress.hostBytesMax + 1)
        #expect(throws: PeerAddressError.self) { try PeerAddress(parsing: "\(long):80") }
        let longest = String(repeating: "a", count: PeerAddress.hostBytesMax)
        #expect((try? PeerAddress(parsing: "\(longest):80"))?.host == longest)
    }
}
