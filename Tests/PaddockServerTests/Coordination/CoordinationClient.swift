import Foundation
import PaddockAPI

/// A small JSON client for the lock and election routes of a live member: one
/// connection per request, as curl would.
struct CoordinationClient: Sendable {
    let port: Int

    /// Sends `method target` with an optional JSON body and returns the answer.
    func send(_ method: String, _ target: String, json: String? = nil) async throws -> RawResponse {
        var request = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if let json {
            request += "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)"
        } else {
            request += "Content-Length: 0\r\n\r\n"
        }
        guard let response = try await RawHTTPClient.exchange(port: port, request, count: 1).responses.first else {
            throw ClientFailure(message: "no answer to \(method) \(target)")
        }
        return response
    }

    /// Opens a session with `ttlMs` and returns its id.
    func openSession(ttlMs: Int) async throws -> String {
        let response = try await send("POST", "/v1/sessions", json: "{\"ttl\":\(ttlMs)}")
        guard response.status == 201, let id = response.string("id") else {
            throw ClientFailure(message: "opening a session answered \(response.status) \(response.body)")
        }
        return id
    }

    /// `POST /v1/locks/{name}`.
    func acquire(_ name: String, session: String, wait: String = "0") async throws -> RawResponse {
        try await send("POST", "/v1/locks/\(name)", json: "{\"session\":\"\(session)\",\"wait\":\"\(wait)\"}")
    }

    struct ClientFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

extension RawResponse {
    /// A string member of the JSON body.
    func string(_ key: String) -> String? {
        if case .string(let value)? = json?[key] { return value }
        return nil
    }

    /// A boolean member of the JSON body.
    func bool(_ key: String) -> Bool? {
        if case .bool(let value)? = json?[key] { return value }
        return nil
    }

    /// An integer member of the JSON body.
    func int(_ key: String) -> Int64? { json?[key]?.int64Value }
}
