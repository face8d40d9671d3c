import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The parts of the cluster harness that need no running cluster: free ports and the
/// command lines of the members.
@Suite struct ClusterHarnessTests {
    @Test func picksDistinctFreeLoopbackPorts() throws {
        let ports = try FreePorts.pick(8)
        #expect(ports.count == 8)
        #expect(Set(ports).count == 8)
        #expect(ports.allSatisfy { (1...65_535).contains($0) })
        // Closed when returned: each can be bound again (unless another process took it in
        // between, which would make this flaky only on a crowded machine, twice in a row).
        let bindable = ports.filter { FreePorts.isBindable($0) }.count
        #expect(bindable >= 7, "only \(bindable) of \(ports) were free again")
    }

    @Test func aListeningPortIsNotBindable() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        _ = inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0)
        try #require(listen(descriptor, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        #expect(!FreePorts.isBindable(Int(UInt16(bigEndian: address.sin_port))))
    }

    @Test(arguments: [
        ("paddock: cannot listen: bind(descriptor:ptr:bytes:): Address already in use (errno: 98)", true),
        ("peer listener failed: EADDRINUSE", true),
        ("paddock: cannot start: the data directory is not a database", false),
        ("", false),
    ])
    func recognisesAddressInUse(text: String, inUse: Bool) {
        #expect(FreePorts.saysAddressInUse(text) == inUse)
    }

    static func threeMembers() -> ClusterLayout {
        var layout = ClusterLayout()
        layout.add("n1", peerPort: 7190)
        layout.add("n2", peerPort: 7191)
        layout.add("n3", peerPort: 7192)
        return layout
    }

    @Test func foundersListEveryFounderAtItsPeerPort() {
        let layout = Self.threeMembers()
        #expect(
            layout.arguments(for: "n2", members: layout.names, joining: false, extra: ["--snapshot-interval", "20"]) == [
                "--id", "n2", "--peers", "n1=127.0.0.1:7190,n2=127.0.0.1:7191,n3=127.0.0.1:7192",
                "--cluster-id", "paddock-test", "--snapshot-interval", "20",
            ])
    }

    @Test func proxiedMembersReachOthersThroughTheirLinksAndListenOnTheirOwnPort() {
        var layout = Self.threeMembers()
        layout.linkPorts = [
            "n1": ["n2": 9012, "n3": 9013],
            "n2": ["n1": 9021, "n3": 9023],
            "n3": ["n1": 9031, "n2": 9032],
        ]
        #expect(layout.peersFlag(for: "n1", members: layout.names) == "n1=127.0.0.1:7190,n2=127.0.0.1:9012,n3=127.0.0.1:9013")
        #expect(layout.peersFlag(for: "n2", members: layout.names) == "n1=127.0.0.1:9021,n2=127.0.0.1:7191,n3=127.0.0.1:9023")
        #expect(layout.peersFlag(for: "n3", members: layout.names) == "n1=127.0.0.1:9031,n2=127.0.0.1:9032,n3=127.0.0.1:7192")
        #expect(layout.port(from: "n3", to: "n3") == 7192)
        #expect(layout.port(from: "n2", to: "n1") == 9021)
    }

    @Test func aJoiningMemberListsItsContactsAndItselfWithJoin() {
        var layout = Self.threeMembers()
        layout.add("n4", peerPort: 7193)
        let arguments = layout.arguments(for: "n4", members: ["n1", "n2", "n3", "n4"], joining: true)
        #expect(
            arguments == [
                "--id", "n4", "--peers", "n1=127.0.0.1:7190,n2=127.0.0.1:7191,n3=127.0.0.1:7192,n4=127.0.0.1:7193",
                "--cluster-id", "paddock-test", "--join",
            ])
        #expect(layout.names == ["n1", "n2", "n3", "n4"])
    }

    @Test func peersAreSortedWhateverTheOrderGiven() {
        var layout = ClusterLayout()
        layout.add("b", peerPort: 2)
        layout.add("a", peerPort: 1)
        #expect(layout.peersFlag(for: "b", members: ["b", "a"]) == "a=127.0.0.1:1,b=127.0.0.1:2")
    }

    @Test func theHTTPAddressIsTheServeLineNotAnotherListener() {
        let lines = [
            "2026-01-01T00:00:00 info paddock.peer: peer transport listening on 127.0.0.1:7190",
            "paddock listening on 127.0.0.1:41234",
        ]
        let address = PaddockProcess.parseAddress(lines)
        #expect(address?.0 == "127.0.0.1")
        #expect(address?.1 == 41_234)
        #expect(PaddockProcess.parseAddress(Array(lines.prefix(1))) == nil)
    }
}
