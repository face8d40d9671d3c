import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import PaddockAPI
import ZNodeTree

/// An asynchronous client of a Paddock cluster over its HTTP API.
///
/// Give it the members' endpoints; each call goes to the member that answered last and
/// moves to the next one on connection errors and 503 answers, with backoff between rounds
/// and a deadline per call (`ClientConfiguration`). Every write carries an
/// `Idempotency-Key` that stays the same across its retries, so a retried write is applied
/// once. Every answer says at which zxid it was served.
///
/// Call `shutdown()` once done (it closes the connections); the client must not be used
/// after. All methods throw `PaddockError`.
public final class Client: Sendable {
    let transport: Transport

    /// The endpoints, normalized (`http://host:port`).
    public var endpoints: [String] { transport.endpoints.urls }
    /// The configuration in use.
    public var configuration: ClientConfiguration { transport.configuration }

    /// A client of the members at `endpoints` (`http://host:port` or `host:port`).
    ///
    /// - Parameter httpClient: an `HTTPClient` to share (the caller shuts it down); by
    ///   default the client makes its own.
    /// - Throws: `PaddockError` `.badRequest` for an empty list or a malformed endpoint.
    public init(
        endpoints: [String], configuration: ClientConfiguration = .init(), httpClient: HTTPClient? = nil,
        logger: Logger = Logger(label: "paddock.client")
    ) throws(PaddockError) {
        transport = Transport(
            endpoints: try Endpoints(endpoints), configuration: configuration, httpClient: httpClient, logger: logger)
    }

    /// Closes the client's connections (not those of a shared `HTTPClient`).
    ///
    /// - Throws: the HTTP client's error when it was already shut down.
    public func shutdown() async throws {
        try await transport.shutdown()
    }

    // MARK: Helpers for the operation files

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    /// The JSON bytes of `value`.
    static func json(_ value: some Encodable) throws(PaddockError) -> [UInt8] {
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw PaddockError(.badRequest, "cannot encode the request: \(error)", cause: error)
        }
    }

    /// Decodes `type` from an answer's body.
    static func decode<Value: Decodable>(_ type: Value.Type, _ answer: Answer) throws(PaddockError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(answer.body))
        } catch {
            throw PaddockError(
                .invalidResponse, "\(answer.endpoint) answered JSON this client cannot read: \(error)",
                zxid: answer.zxid, endpoint: answer.endpoint, cause: error)
        }
    }

    /// The answer's `Paddock-Zxid`, which every answer of the API carries.
    static func requireZxid(_ answer: Answer) throws(PaddockError) -> Zxid {
        guard let zxid = answer.zxid else {
            throw PaddockError(.invalidResponse, "\(answer.endpoint) answered without Paddock-Zxid", endpoint: answer.endpoint)
        }
        return zxid
    }

    /// `/v1/<collection>` followed by the percent-encoded node path (the root is bare).
    static func target(_ collection: String, _ path: String, query: [String] = []) throws(PaddockError) -> String {
        guard path.hasPrefix("/") else {
            throw PaddockError(.invalidPath, "path \(path) is not absolute (it must start with /)", path: path)
        }
        var target = "/v1/" + collection
        if path != "/" { target += PathEncoding.encode(path) }
        if !query.isEmpty { target += "?" + query.joined(separator: "&") }
        return target
    }
}

/// Percent-encoding of node paths in URLs.
enum PathEncoding {
    private static let allowed: Set<UInt8> = Set(
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/".utf8))
    private static let hex = Array("0123456789ABCDEF".utf8)

    /// `text` with every byte outside `A-Z a-z 0-9 - . _ ~ /` as `%XX`.
    static func encode(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if allowed.contains(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
