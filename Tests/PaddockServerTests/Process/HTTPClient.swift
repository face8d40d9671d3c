import Foundation
import PaddockTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A tiny blocking HTTP/1.1 client over a POSIX socket: one request per connection
/// (`Connection: close`), enough for process tests without new dependencies.
struct HTTPClient: Sendable {
    /// One answer.
    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]

        /// The body parsed as a JSON object, nil when it is not one.
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        }
    }

    let host: String
    let port: Int
    /// Receive timeout per read, in ms, so a dead server cannot hang a test.
    var timeoutMs: Int = 10_000

    /// Sends one request and reads the whole answer.
    /// - Throws: `HarnessError` when the connection fails or the answer is not HTTP.
    func request(_ method: String, _ target: String, body: [UInt8] = [], contentType: String = "application/json")
        throws -> Response
    {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError(description: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutMs / 1_000, tv_usec: (timeoutMs % 1_000) * 1_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw HarnessError(description: "bad IPv4 address \(host)")
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw HarnessError(description: "connect to \(host):\(port) failed: errno \(errno)") }

        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        if !body.isEmpty || method == "POST" || method == "PUT" {
            head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        let bytes = Array(head.utf8) + body
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw HarnessError(description: "send failed: errno \(errno)") }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else { throw HarnessError(description: "recv failed: errno \(errno)") }
            received.append(contentsOf: buffer[0..<n])
        }
        return try Self.parse(received)
    }

    /// Sends a JSON object.
    func request(_ method: String, _ target: String, json: [String: Any]) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: json)
        return try request(method, target, body: Array(data))
    }

    /// `request` off the cooperative pool, for async tests.
    func send(_ method: String, _ target: String, body: [UInt8] = []) async throws -> Response {
        try await onOwnThread { try request(method, target, body: body) }
    }

    /// `request` with a JSON object (of strings) off the cooperative pool.
    func send(_ method: String, _ target: String, json: [String: String]) async throws -> Response {
        try await onOwnThread { try request(method, target, json: json) }
    }

    static func parse(_ bytes: [UInt8]) throws -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.firstRange(of: separator) else {
            throw HarnessError(description: "no complete HTTP head in \(bytes.count) bytes")
        }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw HarnessError(description: "bad status line: \(lines.first ?? "")")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[end.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            body = try dechunk(body)
        } else if let length = headers["content-length"].flatMap(Int.init), body.count > length {
            body = Array(body[0..<length])
        }
        return Response(status: status, headers: headers, body: body)
    }

    static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        for _ in 0..<bytes.count {
            guard let lineEnd = bytes[index...].firstRange(of: [13, 10]) else { break }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else {
                throw HarnessError(description: "bad chunk size \(sizeText)")
            }
            if size == 0 { break }
            let start = lineEnd.upperBound
            guard start + size <= bytes.count else { throw HarnessError(description: "truncated chunk") }
            out.append(contentsOf: bytes[start..<(start + size)])
            index = start + size + 2
        }
        return out
    }
}
