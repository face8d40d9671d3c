import PaddockAPI
import Testing
import ZNodeTree

@testable import PaddockClient

@Suite("Server-Sent Events parsing and the watch cursor")
struct WatchCursorTests {
    static func created(_ path: String, _ zxid: UInt64) -> String {
        #"{"path":"\#(path)","type":"created","zxid":\#(zxid),"stat":null,"data":"x","encoding":"utf8"}"#
    }

    @Test func messagesSurviveAnySplitAndAnyLineEnding() throws {
        let text = "event: created\r\ndata: {\"a\":1}\r\nid: 7\r\n\r\n: hb\n\nevent: changed\ndata: one\ndata: two\n\n"
        let bytes = Array(text.utf8)
        for split in 0...bytes.count {
            var parser = SSEParser()
            var messages = try parser.feed(bytes[..<split])
            messages += try parser.feed(bytes[split...])
            #expect(
                messages == [
                    SSEMessage(event: "created", data: "{\"a\":1}", id: "7"),
                    SSEMessage(event: "changed", data: "one\ntwo", id: nil),
                ], "split at \(split)")
        }
    }

    @Test func overlongLinesAreRefused() {
        var parser = SSEParser(lineBytesMax: 8)
        #expect(throws: PaddockError.self) { _ = try parser.feed(Array("data: 123456789\n".utf8)) }
    }

    @Test func eventsOfAnEntryWaitForItsIdAndABreakDropsThem() throws {
        var cursor = WatchCursor(since: Zxid(4), initial: false)
        #expect(cursor.start == .after(Zxid(4)))
        // Zxid 5 makes two changes; the connection breaks after the first.
        var fed = try cursor.feed(Array("event: created\ndata: \(Self.created("/a", 5))\n\n".utf8))
        #expect(fed.events.isEmpty)
        cursor.streamBroke()
        #expect(cursor.start == .after(Zxid(4)))
        // The resume sends the entry again, whole, and marks its end.
        let again = "event: created\ndata: \(Self.created("/a", 5))\n\n"
            + "event: created\ndata: \(Self.created("/b", 5))\nid: 5\n\n"
        fed = try cursor.feed(Array(again.utf8))
        #expect(fed.events.map(\.path) == ["/a", "/b"])
        #expect(fed.ended == false)
        #expect(cursor.lastZxid == Zxid(5))
    }

    @Test func overflowEndsTheStreamAtTheZxidItNames() throws {
        var cursor = WatchCursor(since: nil, initial: false)
        #expect(cursor.start == .now)
        cursor.opened(startZxid: Zxid(10))
        #expect(cursor.start == .after(Zxid(10)))
        let text = "event: overflow\ndata: {\"type\":\"overflow\",\"zxid\":12,\"detail\":\"slow\"}\n\n"
        let fed = try cursor.feed(Array(text.utf8))
        #expect(fed.ended)
        #expect(fed.events.isEmpty)
        #expect(cursor.start == .after(Zxid(12)))
    }

    @Test func compactedStartsOverWithInitialUntilSynced() throws {
        var cursor = WatchCursor(since: Zxid(1), initial: false)
        cursor.compacted()
        #expect(cursor.start == .initial)
        cursor.opened(startZxid: Zxid(30))
        #expect(cursor.start == .initial, "a snapshot has no resume point before synced")
        let text = "event: initial\ndata: {\"path\":\"/c\",\"type\":\"initial\",\"zxid\":30,\"stat\":null}\n\n"
            + "event: synced\ndata: {\"type\":\"synced\",\"zxid\":30}\nid: 30\n\n"
        let fed = try cursor.feed(Array(text.utf8))
        #expect(fed.events.map(\.kind) == [.initial, .synced])
        #expect(cursor.start == .after(Zxid(30)))
    }

    @Test func unreadableEventsAreInvalidResponses() {
        var cursor = WatchCursor(since: nil, initial: false)
        do throws(PaddockError) {
            _ = try cursor.feed(Array("event: created\ndata: {not json\nid: 3\n\n".utf8))
            Issue.record("malformed JSON was accepted")
        } catch {
            #expect(error.code == .invalidResponse)
        }
    }
}

@Suite("Error codes")
struct ErrorCodeTests {
    @Test func everyCatalogueCodeMapsToItsOwnCase() {
        for code in APIErrorCode.allCases {
            let mapped = PaddockError.Code(serverCode: code.rawValue)
            #expect(mapped.name == code.rawValue)
            #expect(mapped != .other(code.rawValue), "\(code.rawValue) has no case of its own")
        }
        #expect(PaddockError.Code(serverCode: "SomethingNew") == .other("SomethingNew"))
    }
}
