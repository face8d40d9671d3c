import PaddockAPI
import Testing
import ZNodeTree

@Suite struct JSONValueTests {
    @Test func parsesEveryKind() throws {
        let value = try JSONValue(parsing: Array(#" {"a":[1,-2.5e3,true,false,null],"b":"x\n\u00e9\ud83d\ude00"} "#.utf8))
        #expect(value["a"] == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null]))
        #expect(value["b"] == .string("x\n\u{E9}\u{1F600}"))
    }

    @Test(arguments: [
        "", "{", "{\"a\"", "{\"a\":", "{\"a\":1", "[1,]", "{\"a\":1,}", "01", "1.", "-", "1e", "tru", "nul",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "{\"a\":1} 2", "{a:1}", "'a'", "\"\u{01}\"",
        "{\"a\":1,\"a\":2}", String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
    ])
    func refusesMalformed(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: Array(text.utf8)) }
    }

    @Test func capsObjectMembersButNotArrayElements() throws {
        let object = "{" + (0..<5).map { "\"k\($0)\":[1,2,3,4,5,6]" }.joined(separator: ",") + "}"
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: Array(object.utf8), objectMembersMax: 4) }
        let value = try JSONValue(parsing: Array(object.utf8), objectMembersMax: 5)
        #expect(value["k4"] == .array((1...6).map { .number("\($0)") }))
    }

    @Test func refusesInvalidUTF8InStrings() {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xFF, 0x22]) }
    }

    @Test func keepsLargeIntegersAsText() throws {
        let value = try JSONValue(parsing: Array("99999999999999999999".utf8))
        #expect(value == .number("99999999999999999999"))
        #expect(value.int64Value == nil)
    }

    @Test func writerEscapesAndRoundTrips() throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("s"); writer.string("q\"b\\n\n\t\u{01}\u{7F}é")
        writer.key("n"); writer.number(Int64.min)
        writer.key("u"); writer.number(UInt64.max)
        writer.key("a"); writer.beginArray(); writer.number(0); writer.bool(true); writer.null(); writer.endArray()
        writer.key("o"); writer.beginObject(); writer.endObject()
        writer.endObject()
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text == #"{"s":"q\"b\\n\n\t\u0001\u007fé","n":-9223372036854775808,"u":18446744073709551615,"a":[0,true,null],"o":{}}"#)
        let parsed = try JSONValue(parsing: writer.bytes)
        #expect(parsed["s"] == .string("q\"b\\n\n\t\u{01}\u{7F}é"))
    }

    @Test func statHasTheDocumentedKeys() throws {
        let stat = Stat(
            czxid: Zxid(1), mzxid: Zxid(2), pzxid: Zxid(3), ctimeMs: 10, mtimeMs: 20, version: 4, cversion: 5,
            ephemeralOwner: SessionID(255), dataLength: 6, numChildren: 0, kind: .ttl, ttlMs: 1000)
        var writer = JSONWriter()
        writer.stat(stat)
        let value = try JSONValue(parsing: writer.bytes)
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == [
            "czxid", "mzxid", "pzxid", "ctime", "mtime", "version", "cversion", "ephemeralOwner", "dataLength",
            "numChildren", "kind", "ttl",
        ])
        #expect(value["ephemeralOwner"] == .string("00000000000000ff"))
        #expect(value["czxid"] == .number("1"))
        #expect(value["ttl"] == .number("1000"))
    }
}
