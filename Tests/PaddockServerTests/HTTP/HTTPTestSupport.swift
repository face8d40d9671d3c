import Foundation
import NIOCore
import NIOHTTP1
import PaddockAPI
import PaddockServer
import ZNodeTree

/// Drives the responder directly (no sockets) and decodes answers.
struct APIHarness {
    let replica = FakeReplica()
    let responder: APIResponder

    init(limits: Limits = .default, cluster: (any ClusterControl)? = nil) {
        responder = APIResponder(context: APIContext(replica: replica, limits: limits, cluster: cluster))
    }

    /// Sends one request; `body` is sent as bytes with `contentType`.
    func send(
        _ method: HTTPMethod, _ target: String, json: String? = nil, body: [UInt8]? = nil,
        contentType: String? = nil, headers: [(String, String)] = []
    ) async -> TestResponse {
        var httpHeaders = HTTPHeaders(headers)
        var buffer = ByteBuffer()
        if let json {
            buffer.writeString(json)
            httpHeaders.replaceOrAdd(name: "Content-Type", value: contentType ?? "application/json")
        } else if let body {
            buffer.writeBytes(body)
            if let contentType { httpHeaders.replaceOrAdd(name: "Content-Type", value: contentType) }
        }
        let response = await responder.respond(to: APIRequest(method: method, target: target, headers: httpHeaders, body: buffer))
        return TestResponse(response)
    }
}

/// A response with its body parsed when it is JSON.
struct TestResponse {
    var status: Int
    var headers: HTTPHeaders
    var bodyBytes: [UInt8]
    var json: JSONValue?
    var zxid: UInt64?

    init(_ response: APIResponse) {
        status = Int(response.status.code)
        headers = response.headers
        bodyBytes = response.body.getBytes(at: response.body.readerIndex, length: response.body.readableBytes) ?? []
        json = try? JSONValue(parsing: bodyBytes)
        zxid = response.zxid?.rawValue
    }

    /// The problem code of an error response.
    var code: String? {
        guard case .string(let code)? = json?["code"] else { return nil }
        return code
    }

    /// A string member of the body.
    func string(_ key: String) -> String? {
        guard case .string(let value)? = json?[key] else { return nil }
        return value
    }

    /// An integer member of the body's `stat`.
    func stat(_ key: String) -> Int64? {
        json?["stat"]?[key]?.int64Value
    }
}
