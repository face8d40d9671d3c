import NIOHTTP1
import PaddockAPI
import PaddockServer
import Testing

/// Bodies built to make parsing costly are refused quickly and propose nothing.
@Suite struct HTTPHostileBodyTests {
    /// `{"k0":0,"k1":0,...}` (or the form `k0=&k1=&...`) with `count` distinct keys.
    static func manyKeys(_ count: Int, form: Bool) -> [UInt8] {
        var text = form ? "" : "{"
        text.reserveCapacity(count * 10)
        for index in 0..<count {
            if index > 0 { text += form ? "&" : "," }
            text += form ? "k\(index)=" : "\"k\(index)\":0"
        }
        if !form { text += "}" }
        return Array(text.utf8)
    }

    @Test(arguments: [false, true])
    func manyKeysAreRefusedQuickly(form: Bool) async {
        let api = APIHarness()
        let body = Self.manyKeys(100_000, form: form)
        #expect(body.count > 500_000)
        let clock = ContinuousClock()
        let start = clock.now
        let response = await api.send(
            .POST, "/v1/nodes/a", body: body,
            contentType: form ? "application/x-www-form-urlencoded" : "application/json")
        let elapsed = clock.now - start
        #expect(response.status == 400)
        #expect(response.code == "BadRequest")
        #expect(elapsed < .seconds(2), "took \(elapsed)")
        #expect(api.replica.proposalCount == 0)
    }

    @Test func aTransactionMayStillHaveManyOps() async {
        var limits = Limits()
        limits.txnOpsMax = 1_000
        let api = APIHarness(limits: limits)
        let ops = (0..<300).map { #"{"op":"create","path":"/n\#($0)"}"# }.joined(separator: ",")
        let response = await api.send(.POST, "/v1/txn", json: #"{"ops":[\#(ops)]}"#)
        #expect(response.status == 200)
        #expect(api.replica.tree.nodeCount >= 300)
    }
}

/// The configurable path limit is the HTTP layer's, counting a sequential suffix.
@Suite struct HTTPPathLimitTests {
    @Test(arguments: [("sequential", 1_013, 201), ("sequential", 1_014, 400), ("persistent", 1_023, 201)])
    func aSequentialSuffixMustFit(kind: String, nameBytes: Int, status: Int) async {
        let api = APIHarness()
        let name = String(repeating: "s", count: nameBytes)
        let response = await api.send(.POST, "/v1/nodes/\(name)", json: #"{"kind":"\#(kind)"}"#)
        #expect(response.status == status)
        #expect(api.replica.proposalCount == (status == 201 ? 1 : 0))
        if status == 400 { #expect(response.code == "InvalidPath") }
    }

    @Test func validateRefusesAPathLimitAboveTheHardMaximum() {
        var limits = Limits()
        limits.pathBytesMax = 4_096
        #expect(throws: Never.self) { try limits.validate() }
        limits.pathBytesMax = 4_097
        #expect(throws: LimitsError.self) { try limits.validate() }
    }
}

/// `curl -d` sends JSON labelled as a form; every JSON route reads it as JSON.
@Suite struct HTTPFormLabelledJSONTests {
    @Test func aTransactionSentWithCurlDataIsReadAsJSON() async {
        let api = APIHarness()
        let response = await api.send(
            .POST, "/v1/txn", json: #" {"ops":[{"op":"create","path":"/x","data":"1"}]}"#,
            contentType: "application/x-www-form-urlencoded")
        #expect(response.status == 200)
        #expect(api.replica.tree.nodeCount == 2)
    }

    @Test func aTransactionAsAFormIsStillRefused() async {
        let api = APIHarness()
        let response = await api.send(
            .POST, "/v1/txn", json: "ops=x", contentType: "application/x-www-form-urlencoded")
        #expect(response.status == 415)
        #expect(api.replica.proposalCount == 0)
    }
}
