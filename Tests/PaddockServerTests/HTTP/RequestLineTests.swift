import Foundation
import PaddockServer
import Testing

/// Request lines past the limit are 414 even when longer than the decoder's field limit.
@Suite struct RequestLineTests {
    @Test(.timeLimit(.minutes(1))) func aTwentyKiBTargetIs414() async throws {
        try await HTTPLiveServerTests.withServer { port in
            let longLine = "GET /v1/nodes/\(String(repeating: "a", count: 20_480)) HTTP/1.1\r\nHost: x\r\n\r\n"
            let (responses, _) = try await RawHTTPClient.exchange(port: port, longLine, count: 2)
            #expect(responses.map(\.status) == [414])
            #expect(responses.first?.body.contains("URITooLong") == true)
        }
    }

    /// Bodies and long header lines are not mistaken for request lines.
    @Test(.timeLimit(.minutes(1))) func longBodiesAndHeadersBetweenRequestsAreNotMeasured() async throws {
        try await HTTPLiveServerTests.withServer { port in
            let json = "{\"data\":\"\(String(repeating: "b", count: 20_000))\"}"
            let requests =
                "\r\nPOST /v1/nodes/p HTTP/1.1\r\nHost: x\r\nX-Long: \(String(repeating: "h", count: 9_000))\r\n"
                + "Content-Type: application/json\r\ncontent-length:  \(json.utf8.count)\r\n\r\n\(json)"
                + "GET /v1/nodes/p HTTP/1.1\r\nHost: x\r\n\r\n"
            let (responses, closed) = try await RawHTTPClient.exchange(port: port, requests, count: 2)
            #expect(!closed)
            #expect(responses.map(\.status) == [201, 200])
        }
    }
}
