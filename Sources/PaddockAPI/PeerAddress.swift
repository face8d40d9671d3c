/// A `host:port` network address as members and operators write it, checked.
///
/// Used for peer addresses (`--peers`, `POST /v1/cluster/members`) and HTTP addresses in
/// cluster answers. Rules: the port is 1 to 65535 in plain decimal digits; the host is a
/// name or IPv4 address of `[A-Za-z0-9.-_]`, or an IPv6 address in brackets
/// (`[::1]:7190`) of hex digits, `:` and `.`. A bare IPv6 host (`::1:7190`) is refused
/// because its port cannot be told apart. Port 0 is refused: a peer address names where
/// a member is reached, so it cannot be "any port".
public struct PeerAddress: Sendable, Hashable, CustomStringConvertible {
    /// The host without brackets (`127.0.0.1`, `::1`, `db-1.example`).
    public let host: String
    /// The port, 1...65535.
    public let port: Int

    /// The longest host accepted, in bytes (DNS names are at most 253).
    public static let hostBytesMax = 253

    /// An address from its parts; `host` must follow the rules above (unbracketed).
    /// - Throws: `PeerAddressError` naming what is wrong.
    public init(host: String, port: Int) throws(PeerAddressError) {
        guard (1...65_535).contains(port) else {
            throw PeerAddressError(message: "port \(port) is not in 1...65535")
        }
        guard !host.isEmpty else { throw PeerAddressError(message: "the host is empty") }
        guard host.utf8.count <= Self.hostBytesMax else {
            throw PeerAddressError(message: "the host is longer than \(Self.hostBytesMax) bytes")
        }
        if host.utf8.contains(UInt8(ascii: ":")) {
            guard host.utf8.allSatisfy(Self.isIPv6Byte) else {
                throw PeerAddressError(message: "\"\(host)\" is not an IPv6 address")
            }
        } else {
            guard host.utf8.allSatisfy(Self.isHostNameByte) else {
                throw PeerAddressError(message: "the host \"\(host)\" may only hold letters, digits, '.', '-' and '_'")
            }
        }
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[ipv6]:port`.
    /// - Throws: `PeerAddressError` naming what is wrong.
    public init(parsing text: String) throws(PeerAddressError) {
        guard let colon = text.utf8.lastIndex(of: UInt8(ascii: ":")) else {
            throw PeerAddressError(message: "\"\(text)\" is not HOST:PORT")
        }
        let portText = text[text.index(after: colon)...]
        guard !portText.isEmpty, portText.utf8.count <= 5, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let port = Int(portText)
        else {
            throw PeerAddressError(message: "\"\(text)\" has no port of 1 to 5 digits after its last ':'")
        }
        var host = text[..<colon]
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else {
                throw PeerAddressError(message: "\"\(text)\" has an unclosed or empty '[' host")
            }
            host = host.dropFirst().dropLast()
            guard host.contains(":") else {
                throw PeerAddressError(message: "\"\(text)\" puts a host that is not IPv6 in brackets")
            }
        } else if host.contains(":") {
            throw PeerAddressError(message: "\"\(text)\" has an IPv6 host without brackets; write [HOST]:PORT")
        }
        do throws(PeerAddressError) {
            try self.init(host: String(host), port: port)
        } catch {
            throw PeerAddressError(message: "\"\(text)\": \(error.message)")
        }
    }

    /// `host:port`, with the host in brackets when it is IPv6; parses back to `self`.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private static func isHostNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    private static func isIPv6Byte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
            || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".")
    }
}

/// Why a `host:port` text is not a valid `PeerAddress`.
public struct PeerAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, naming the text.
    public var message: String

    /// An error with its message.
    public init(message: String) { self.message = message }

    public var description: String { message }
}
