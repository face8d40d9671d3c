import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Loopback ports that were free a moment ago, for members whose peer ports every other
/// member must be told before any of them starts.
///
/// Each port is found by binding a socket to 127.0.0.1:0 and reading the port the system
/// chose. All sockets of one call stay open until every port is read, so the ports of one
/// call are distinct; they are closed before returning, so another process may take one
/// before the member binds it. That race is small and the harness retries a launch that
/// failed with "address in use" once, with fresh ports.
enum FreePorts {
    /// `count` distinct ports on 127.0.0.1, free when returned.
    /// - Throws: `HarnessError` when a socket cannot be made or bound.
    static func pick(_ count: Int) throws -> [Int] {
        precondition(count >= 0 && count <= 64, "pick 0...64 ports, asked for \(count)")
        var descriptors: [Int32] = []
        defer { for descriptor in descriptors { close(descriptor) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw HarnessError(description: "socket() failed: errno \(errno)") }
            descriptors.append(descriptor)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            guard inet_pton(AF_INET, "127.0.0.1", &address.sin_addr) == 1 else {
                throw HarnessError(description: "inet_pton(127.0.0.1) failed")
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else { throw HarnessError(description: "bind(127.0.0.1:0) failed: errno \(errno)") }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            guard named == 0 else { throw HarnessError(description: "getsockname failed: errno \(errno)") }
            let port = Int(UInt16(bigEndian: address.sin_port))
            precondition(port > 0, "the system bound port 0")
            ports.append(port)
        }
        return ports
    }

    /// Whether `port` on 127.0.0.1 can be bound now (a listener there makes it false).
    static func isBindable(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, "127.0.0.1", &address.sin_addr) == 1 else { return false }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return bound == 0
    }

    /// Whether a child's output says a port was taken (the text of EADDRINUSE).
    static func saysAddressInUse(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return lowered.contains("address already in use") || lowered.contains("eaddrinuse")
            || lowered.contains("errno: 98")
    }
}
