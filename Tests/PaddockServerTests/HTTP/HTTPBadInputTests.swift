import Foundation
import NIOHTTP1
import PaddockAPI
import PaddockServer
import Testing
import ZNodeTree

/// One bad request and what it must get.
struct BadInput: CustomStringConvertible, Sendable {
    var method: String
    var target: String
    var json: String?
    var body: [UInt8]?
    var contentType: String?
    var headers: [(String, String)] = []
    var status: Int
    var code: String
    var opIndex: Int64?
    /// Whether the request is valid HTTP and the refusal comes from the tree (one
    /// proposal), rather than from the HTTP layer (none).
    var reachesTree = false

    var description: String { "\(method) \(target.prefix(60)) \(json?.prefix(60) ?? "")" }
}

private let unknownSession = "00000000000000aa"

@Suite struct HTTPBadInputTests {
    /// Small limits so size cases stay small.
    static var limits: Limits {
        var limits = Limits()
        limits.dataBytesMax = 16
        limits.txnOpsMax = 4
        limits.ttlNodeMaxMs = 60_000
        return limits
    }

    static let cases: [BadInput] = [
        // Paths.
        BadInput(method: "GET", target: "/v1/nodes//a", status: 400, code: "InvalidPath"),
        BadInput(method: "GET", target: "/v1/nodes/a/", status: 400, code: "InvalidPath"),
        BadInput(method: "GET", target: "/v1/nodes/a/./b", status: 400, code: "InvalidPath"),
        BadInput(method: "GET", target: "/v1/nodes/..", status: 400, code: "InvalidPath"),
        BadInput(method: "POST", target: "/v1/nodes/a%00b", status: 400, code: "InvalidPath"),
        BadInput(method: "POST", target: "/v1/nodes/a%01b", status: 400, code: "InvalidPath"),
        BadInput(method: "POST", target: "/v1/nodes/a%7F", status: 400, code: "InvalidPath"),
        BadInput(method: "POST", target: "/v1/nodes/a%FF", status: 400, code: "InvalidPath"),
        BadInput(method: "POST", target: "/v1/nodes/a%zz", status: 400, code: "InvalidPath"),
        BadInput(method: "POST", target: "/v1/nodes/a%2", status: 400, code: "InvalidPath"),
        BadInput(method: "POST", target: "/v1/nodes/" + String(repeating: "p", count: 1024), status: 400, code: "InvalidPath"),
        BadInput(method: "DELETE", target: "/v1/nodes/a/", status: 400, code: "InvalidPath"),
        // JSON.
        BadInput(method: "POST", target: "/v1/nodes/b", json: #"{"data":"#, status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/nodes/b", json: #"{"data":"x""#, status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/nodes/b", json: #"{"data":"x"} x"#, status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/nodes/b", json: #"{data:"x"}"#, status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/nodes/b", json: "[1]", status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/nodes/b", json: #"{"data":5}"#, status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/nodes/b", json: #"{"parents":"yes"}"#, status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/nodes/b", json: #"{"kind":"weird"}"#, status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/nodes/b", json: #"{"dta":"x"}"#, status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/nodes/b", json: #"{"data":"x","data":"y"}"#, status: 400, code: "BadRequest"),
        BadInput(method: "PUT", target: "/v1/nodes/a", json: #"{"data":["x"]}"#, status: 400, code: "BadRequest"),
        BadInput(method: "PUT", target: "/v1/nodes/a", json: #"{"data":"x","version":"0"}"#, status: 400, code: "BadRequest"),
        // Encodings and sizes.
        BadInput(method: "POST", target: "/v1/nodes/b", json: #"{"data":"!!","encoding":"base64"}"#, status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/nodes/b", json: #"{"data":"x","encoding":"hex"}"#, status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/nodes/b", json: #"{"data":"0123456789abcdefX"}"#, status: 413, code: "TooLarge"),
        BadInput(method: "PUT", target: "/v1/nodes/a", body: Array(repeating: 7, count: 17), contentType: "application/octet-stream", status: 413, code: "TooLarge"),
        BadInput(method: "PUT", target: "/v1/nodes/a", body: Array("data=0123456789abcdefX".utf8), contentType: "application/x-www-form-urlencoded", status: 413, code: "TooLarge"),
        BadInput(method: "PUT", target: "/v1/nodes/a", body: Array("data=%G1".utf8), contentType: "application/x-www-form-urlencoded", status: 400, code: "BadRequest"),
        BadInput(method: "PUT", target: "/v1/nodes/a", body: Array("<p>".utf8), contentType: "text/html", status: 415, code: "UnsupportedMediaType"),
        BadInput(method: "GET", target: "/v1/nodes/a?encoding=hex", status: 400, code: "BadRequest"),
        // Sessions.
        BadInput(method: "POST", target: "/v1/nodes/e", json: #"{"kind":"ephemeral","session":"\#(unknownSession)"}"#, status: 410, code: "SessionExpired", reachesTree: true),
        BadInput(method: "POST", target: "/v1/nodes/e", json: #"{"kind":"ephemeral","session":"xyz"}"#, status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/sessions/\(unknownSession)/keepalive", status: 410, code: "SessionExpired"),
        BadInput(method: "DELETE", target: "/v1/sessions/\(unknownSession)", status: 410, code: "SessionExpired", reachesTree: true),
        BadInput(method: "GET", target: "/v1/sessions/\(unknownSession)", status: 410, code: "SessionExpired"),
        BadInput(method: "GET", target: "/v1/sessions/nothex", status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/sessions", json: #"{"ttl":"10x"}"#, status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/sessions", json: #"{"ttl":10}"#, status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/sessions", json: #"{"ttl":true}"#, status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/nodes/t", json: #"{"kind":"ttl","ttl":"2h"}"#, status: 400, code: "BadArguments"),
        // Versions.
        BadInput(method: "PUT", target: "/v1/nodes/a?version=-1", json: #"{"data":"x"}"#, status: 400, code: "BadRequest"),
        BadInput(method: "PUT", target: "/v1/nodes/a?version=abc", json: #"{"data":"x"}"#, status: 400, code: "BadRequest"),
        BadInput(method: "PUT", target: "/v1/nodes/a?version=99999999999999999999", json: #"{"data":"x"}"#, status: 400, code: "BadRequest"),
        BadInput(method: "DELETE", target: "/v1/nodes/a?version=1.5", status: 400, code: "BadRequest"),
        BadInput(method: "DELETE", target: "/v1/nodes/a?version=", status: 400, code: "BadRequest"),
        BadInput(method: "DELETE", target: "/v1/nodes/a?version=1", status: 409, code: "BadVersion", reachesTree: true),
        // Routes, methods, bodies, query.
        BadInput(method: "GET", target: "/v1/nope", status: 404, code: "NotFound"),
        BadInput(method: "PATCH", target: "/v1/nodes/a", status: 405, code: "MethodNotAllowed"),
        BadInput(method: "GET", target: "/v1/txn", status: 405, code: "MethodNotAllowed"),
        BadInput(method: "GET", target: "/v1/nodes/a", json: #"{"data":"x"}"#, status: 400, code: "BadRequest"),
        BadInput(method: "DELETE", target: "/v1/nodes/a?recursive=maybe", status: 400, code: "BadRequest"),
        BadInput(method: "DELETE", target: "/v1/nodes/a?verison=0", status: 400, code: "BadRequest"),
        BadInput(method: "PUT", target: "/v1/nodes/a?version=0&version=0", json: #"{"data":"x"}"#, status: 400, code: "BadRequest"),
        BadInput(method: "PUT", target: "/v1/nodes/a", json: #"{"data":"x"}"#, headers: [("Idempotency-Key", String(repeating: "k", count: 300))], status: 400, code: "BadRequest"),
        // Transactions.
        BadInput(method: "POST", target: "/v1/txn", json: #"{"ops":[{"op":"check","path":"/a"},{"op":"check","path":"/a"},{"op":"check","path":"/a"},{"op":"check","path":"/a"},{"op":"check","path":"/a"}]}"#, status: 413, code: "TooLarge"),
        BadInput(method: "POST", target: "/v1/txn", json: #"{"ops":[]}"#, status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/txn", json: #"{"ops":[{"op":"create","path":"/c"},{"op":"create","path":"/c\u0001"}]}"#, status: 400, code: "InvalidPath", opIndex: 1),
        BadInput(method: "POST", target: "/v1/txn", json: #"{"ops":[{"op":"create","path":"/c"},{"op":"rename","path":"/d"}]}"#, status: 400, code: "BadRequest", opIndex: 1),
        BadInput(method: "POST", target: "/v1/txn", json: #"{"ops":[{"op":"create","path":"/c","bogus":1}]}"#, status: 400, code: "BadRequest", opIndex: 0),
        BadInput(method: "POST", target: "/v1/txn", json: #"{"ops":{}}"#, status: 400, code: "BadRequest"),
        BadInput(method: "POST", target: "/v1/txn", json: #"{"ops":[{"op":"create","path":"/c"},{"op":"delete","path":"/a","version":7}]}"#, status: 409, code: "BadVersion", opIndex: 1, reachesTree: true),
    ]

    @Test(arguments: cases)
    func refusedAndNothingChanged(_ input: BadInput) async {
        let api = APIHarness(limits: Self.limits)
        let setup = await api.send(.POST, "/v1/nodes/a", json: #"{"data":"orig"}"#)
        #expect(setup.status == 201)
        let before = api.replica.tree
        let proposalsBefore = api.replica.proposalCount
        let response = await api.send(
            HTTPMethod(rawValue: input.method), input.target, json: input.json, body: input.body,
            contentType: input.contentType, headers: input.headers)
        #expect(response.status == input.status)
        #expect(response.code == input.code)
        #expect(response.headers.first(name: "Content-Type") == "application/problem+json")
        #expect(response.json?["status"]?.int64Value == Int64(input.status))
        #expect(response.json?["opIndex"]?.int64Value == input.opIndex)
        if input.status == 405 { #expect(response.headers.first(name: "Allow") != nil) }
        #expect(api.replica.proposalCount == proposalsBefore + (input.reachesTree ? 1 : 0))
        // Nothing changed: the same nodes, the same data and stat, no new session.
        let after = api.replica.tree
        #expect(after.nodeCount == before.nodeCount)
        #expect(after.sessionCount == before.sessionCount)
        let path = try! ZNodePath(validating: "/a")
        #expect(after.node(at: path)?.data == before.node(at: path)?.data)
        #expect(after.node(at: path)?.stat == before.node(at: path)?.stat)
        // And the server keeps serving.
        let read = await api.send(.GET, "/v1/nodes/a")
        #expect(read.status == 200)
        #expect(read.string("data") == "orig")
    }
}
