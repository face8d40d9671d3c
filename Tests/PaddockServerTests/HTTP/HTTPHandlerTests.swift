import Foundation
import PaddockAPI
import PaddockServer
import Testing
import ZNodeTree

@Suite struct HTTPHandlerTests {
    @Test func createReadSetDelete() async {
        let api = APIHarness()
        let created = await api.send(.POST, "/v1/nodes/app", json: #"{"data":"hello"}"#)
        #expect(created.status == 201)
        #expect(created.headers.first(name: "Location") == "/v1/nodes/app")
        #expect(created.string("path") == "/app")
        #expect(created.stat("version") == 0)
        #expect(created.zxid == 1)

        let read = await api.send(.GET, "/v1/nodes/app")
        #expect(read.status == 200)
        #expect(read.string("data") == "hello")
        #expect(read.string("encoding") == "utf8")
        #expect(read.stat("dataLength") == 5)
        #expect(read.stat("czxid") == 1)
        #expect(read.zxid == 1)
        let keys = Set(read.json?["stat"].flatMap { value -> [String]? in
            guard case .object(let members) = value else { return nil }
            return members.map(\.key)
        } ?? [])
        #expect(keys == ["czxid", "mzxid", "pzxid", "ctime", "mtime", "version", "cversion", "ephemeralOwner", "dataLength", "numChildren", "kind"])

        let set = await api.send(.PUT, "/v1/nodes/app?version=0", json: #"{"data":"v2"}"#)
        #expect(set.status == 200)
        #expect(set.stat("version") == 1)
        #expect(set.zxid == 2)

        let conflict = await api.send(.PUT, "/v1/nodes/app?version=0", json: #"{"data":"v3"}"#)
        #expect(conflict.status == 409)
        #expect(conflict.code == "BadVersion")
        #expect(conflict.string("path") == "/app")

        let deleted = await api.send(.DELETE, "/v1/nodes/app?version=1")
        #expect(deleted.status == 200)
        #expect(deleted.json?["deleted"] == .array([.string("/app")]))

        let gone = await api.send(.GET, "/v1/nodes/app")
        #expect(gone.status == 404)
        #expect(gone.code == "NoNode")
        #expect(gone.headers.first(name: "Content-Type") == "application/problem+json")
        #expect(gone.string("type") == "https://paddock.dev/errors/NoNode")
    }

    /// `curl -d '{"data":"x"}'` sends JSON labelled as a form: it is read as JSON.
    @Test func jsonLabelledAsFormIsReadAsJSON() async {
        let api = APIHarness()
        let form = "application/x-www-form-urlencoded"
        let created = await api.send(.POST, "/v1/nodes/j", body: Array(#" {"data":"hello","kind":"sequential"}"#.utf8), contentType: form)
        #expect(created.status == 201)
        #expect(created.string("path") == "/j0000000000")
        let set = await api.send(.PUT, "/v1/nodes/j0000000000", body: Array(#"{"data":"world"}"#.utf8), contentType: form)
        #expect(set.status == 200)
        #expect(await api.send(.GET, "/v1/nodes/j0000000000").string("data") == "world")
        let broken = await api.send(.POST, "/v1/nodes/k", body: Array(#"{"data":"#.utf8), contentType: form)
        #expect(broken.status == 400)
        #expect(broken.code == "BadRequest")
        #expect(await api.send(.GET, "/v1/nodes/k").status == 404)
    }

    @Test func formRawAndBase64Bodies() async {
        let api = APIHarness()
        let form = await api.send(.POST, "/v1/nodes/f", body: Array("data=hello+world%21".utf8), contentType: "application/x-www-form-urlencoded")
        #expect(form.status == 201)
        #expect(await api.send(.GET, "/v1/nodes/f").string("data") == "hello world!")

        let put = await api.send(.PUT, "/v1/nodes/f", body: Array("data=x".utf8), contentType: "application/x-www-form-urlencoded")
        #expect(put.status == 200)
        #expect(await api.send(.GET, "/v1/nodes/f").string("data") == "x")

        let raw: [UInt8] = [0, 255, 1, 128]
        let rawSet = await api.send(.PUT, "/v1/nodes/f", body: raw, contentType: "application/octet-stream")
        #expect(rawSet.status == 200)
        let asBase64 = await api.send(.GET, "/v1/nodes/f")
        #expect(asBase64.string("encoding") == "base64")
        #expect(asBase64.string("data") == "AP8BgA==")
        let rawRead = await api.send(.GET, "/v1/nodes/f", headers: [("Accept", "application/octet-stream")])
        #expect(rawRead.bodyBytes == raw)
        #expect(rawRead.headers.first(name: "Content-Type") == "application/octet-stream")

        let b64 = await api.send(.POST, "/v1/nodes/b", json: #"{"data":"aGk=","encoding":"base64"}"#)
        #expect(b64.status == 201)
        #expect(await api.send(.GET, "/v1/nodes/b?encoding=base64").string("data") == "aGk=")
        #expect(await api.send(.GET, "/v1/nodes/b").string("data") == "hi")
    }

    @Test func childrenSequentialAndParents() async {
        let api = APIHarness()
        #expect(await api.send(.POST, "/v1/nodes/a/b/c", json: #"{"parents":true}"#).status == 201)
        let seq = await api.send(.POST, "/v1/nodes/a/job-", json: #"{"kind":"sequential"}"#)
        #expect(seq.status == 201)
        #expect(seq.string("path") == "/a/job-0000000000" || seq.string("path") == "/a/job-0000000001")
        let children = await api.send(.GET, "/v1/nodes/a?children")
        #expect(children.status == 200)
        guard case .array(let names)? = children.json?["children"] else {
            Issue.record("no children array")
            return
        }
        #expect(names.count == 2)
        #expect(names.first == .string("b"))
        let withStat = await api.send(.GET, "/v1/nodes/a?children&stat")
        #expect(withStat.json?["children"] == children.json?["children"])
        #expect(withStat.json?["stats"]?["b"]?["numChildren"]?.int64Value == 1)
        #expect(withStat.json?["stat"]?["numChildren"]?.int64Value == 2)
        let root = await api.send(.GET, "/v1/nodes?children")
        #expect(root.json?["children"] == .array([.string("a")]))
        let rootSlash = await api.send(.GET, "/v1/nodes/?children")
        #expect(rootSlash.json?["children"] == .array([.string("a")]))
        let notEmpty = await api.send(.DELETE, "/v1/nodes/a")
        #expect(notEmpty.status == 409)
        #expect(notEmpty.code == "NotEmpty")
        let recursive = await api.send(.DELETE, "/v1/nodes/a?recursive")
        #expect(recursive.status == 200)
        guard case .array(let deleted)? = recursive.json?["deleted"] else {
            Issue.record("no deleted array")
            return
        }
        #expect(deleted.count == 4)
    }

    @Test func transactionsAreAllOrNothing() async {
        let api = APIHarness()
        #expect(await api.send(.POST, "/v1/nodes/x", json: #"{"data":"1"}"#).status == 201)
        let ok = await api.send(.POST, "/v1/txn", json: """
            {"ops":[{"op":"check","path":"/x","version":0},{"op":"create","path":"/y","data":"2"},
            {"op":"set","path":"/x","data":"3","version":0},{"op":"delete","path":"/y"}]}
            """)
        #expect(ok.status == 200)
        guard case .array(let results)? = ok.json?["results"] else {
            Issue.record("no results")
            return
        }
        #expect(results.map { $0["op"] } == [.string("check"), .string("create"), .string("set"), .string("delete")])
        let before = api.replica.tree.node(at: try! ZNodePath(validating: "/x"))
        let failed = await api.send(.POST, "/v1/txn", json: """
            {"ops":[{"op":"create","path":"/z"},{"op":"set","path":"/x","data":"4","version":0}]}
            """)
        #expect(failed.status == 409)
        #expect(failed.code == "BadVersion")
        #expect(failed.json?["opIndex"]?.int64Value == 1)
        #expect(api.replica.tree.node(at: try! ZNodePath(validating: "/x"))?.stat == before?.stat)
        #expect(api.replica.tree.nodeCount == 2)
        #expect(api.replica.tree.node(at: try! ZNodePath(validating: "/z")) == nil)
    }

    @Test func sessionsAndEphemerals() async throws {
        let api = APIHarness()
        let opened = await api.send(.POST, "/v1/sessions", json: #"{"ttl":"10s"}"#)
        #expect(opened.status == 201)
        #expect(opened.json?["ttl"]?.int64Value == 10_000)
        let id = try #require(opened.string("id"))
        #expect(id.utf8.count == 16)
        let ephemeral = await api.send(.POST, "/v1/nodes/lock", json: #"{"kind":"ephemeral","session":"\#(id)"}"#)
        #expect(ephemeral.status == 201)
        #expect(ephemeral.json?["stat"]?["ephemeralOwner"] == .string(id))
        let shown = await api.send(.GET, "/v1/sessions/\(id)")
        #expect(shown.json?["ephemerals"] == .array([.string("/lock")]))
        let alive = await api.send(.POST, "/v1/sessions/\(id)/keepalive")
        #expect(alive.status == 200)
        #expect(alive.json?["remaining"]?.int64Value == 10_000)
        let closed = await api.send(.DELETE, "/v1/sessions/\(id)")
        #expect(closed.status == 200)
        #expect(closed.json?["deleted"] == .array([.string("/lock")]))
        #expect(await api.send(.GET, "/v1/nodes/lock").status == 404)
        let again = await api.send(.POST, "/v1/sessions/\(id)/keepalive")
        #expect(again.status == 410)
        #expect(again.code == "SessionExpired")
        let numeric = await api.send(.POST, "/v1/sessions", json: #"{"ttl":1500}"#)
        #expect(numeric.json?["ttl"]?.int64Value == 1500)
        let form = await api.send(.POST, "/v1/sessions", body: Array("ttl=2m".utf8), contentType: "application/x-www-form-urlencoded")
        #expect(form.json?["ttl"]?.int64Value == 120_000)
    }

    @Test func idempotentRetryReturnsTheFirstResult() async {
        let api = APIHarness()
        let first = await api.send(.POST, "/v1/nodes/seq-", json: #"{"kind":"sequential"}"#, headers: [("Idempotency-Key", "k1")])
        let retry = await api.send(.POST, "/v1/nodes/seq-", json: #"{"kind":"sequential"}"#, headers: [("Idempotency-Key", "k1")])
        #expect(first.status == 201)
        #expect(retry.status == 201)
        #expect(retry.string("path") == first.string("path"))
        #expect(retry.zxid == first.zxid)
        #expect(api.replica.tree.children(of: .root)?.count == 1)
    }

    @Test func healthReadinessAndOperatingErrors() async {
        let api = APIHarness()
        #expect(await api.send(.GET, "/healthz").status == 200)
        #expect(await api.send(.GET, "/readyz").status == 200)
        api.replica.setReady(false)
        let notReady = await api.send(.GET, "/readyz")
        #expect(notReady.status == 503)
        #expect(notReady.code == "Unavailable")
        api.replica.setReady(true)
        api.replica.fail(with: ReplicaError(code: .unavailable, message: "busy", retryAfterSeconds: 2))
        let busy = await api.send(.POST, "/v1/nodes/a", json: "{}")
        #expect(busy.status == 503)
        #expect(busy.headers.first(name: "Retry-After") == "2")
        #expect(busy.zxid == 0)
        api.replica.fail(with: ReplicaError(code: .proposalTooLarge, message: "too big"))
        #expect(await api.send(.POST, "/v1/nodes/a", json: "{}").code == "TooLarge")
        api.replica.fail(with: ReplicaError(code: .storage, message: "disk"))
        #expect(await api.send(.GET, "/healthz").status == 503)
    }

    @Test func everyResponseCarriesAZxid() async {
        let api = APIHarness()
        _ = await api.send(.POST, "/v1/nodes/a", json: "{}")
        for (method, target) in [("GET", "/nope"), ("PATCH", "/v1/nodes/a"), ("GET", "/v1/nodes/a"), ("GET", "/healthz")] {
            let response = await api.send(.init(rawValue: method), target)
            #expect(response.zxid == 1, "\(method) \(target)")
        }
    }
}
