import NIOCore
import NIOEmbedded
import Testing

@testable import PaddockServer

/// The guard's framing holds however the bytes are split into reads.
@Suite struct RequestLineGuardTests {
    /// Feeds `text` in pieces of `pieceBytes`; returns the bytes forwarded and the guard.
    func feed(_ text: String, pieceBytes: Int, lineBytesMax: Int) throws -> (forwarded: Int, guard: RequestLineGuard) {
        let lineGuard = RequestLineGuard(lineBytesMax: lineBytesMax)
        let channel = EmbeddedChannel(handler: lineGuard)
        let bytes = Array(text.utf8)
        var forwarded = 0
        for start in stride(from: 0, to: bytes.count, by: pieceBytes) where !lineGuard.isRefused {
            let piece = bytes[start..<min(start + pieceBytes, bytes.count)]
            do {
                try channel.writeInbound(ByteBuffer(bytes: piece))
            } catch {
                #expect(lineGuard.isRefused)
            }
            while let out = try channel.readInbound(as: ByteBuffer.self) { forwarded += out.readableBytes }
        }
        _ = try channel.finish(acceptAlreadyClosed: true)
        return (forwarded, lineGuard)
    }

    @Test(arguments: [1, 7, 4096])
    func pipelinedRequestsWithBodiesPassUntouched(pieceBytes: Int) throws {
        let body = String(repeating: "b", count: 300)
        let text =
            "POST /a HTTP/1.1\r\nHost: x\r\nX-Long: \(String(repeating: "h", count: 200))\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
            + "\r\nGET /\(String(repeating: "c", count: 90)) HTTP/1.1\r\nHost: x\r\n\r\n"
        let (forwarded, lineGuard) = try feed(text, pieceBytes: pieceBytes, lineBytesMax: 128)
        #expect(!lineGuard.isRefused)
        #expect(forwarded == text.utf8.count)
    }

    @Test(arguments: [1, 7, 4096])
    func aLongLineAfterABodyIsRefusedAtTheLimit(pieceBytes: Int) throws {
        let text =
            "POST /a HTTP/1.1\r\ncontent-length: 3\r\n\r\nabc"
            + "GET /\(String(repeating: "c", count: 300)) HTTP/1.1\r\nHost: x\r\n\r\n"
        let (forwarded, lineGuard) = try feed(text, pieceBytes: pieceBytes, lineBytesMax: 128)
        #expect(lineGuard.isRefused)
        // The first request (42 bytes), then the line up to the limit and a CR's room.
        #expect(forwarded == 42 + 129)
    }

    /// The body is skipped by its length however the header is spelled, so the long line
    /// after it is still measured; a chunked body stops the measuring.
    @Test(arguments: [
        ("CONTENT-LENGTH: 3", true), ("Content-length:\t 3 \t", true), ("content-length:3", true),
        ("Transfer-Encoding: chunked", false), ("Content-Length: +3", false), ("Content-Length: 3x", false),
    ])
    func headerSpellingsFrameTheBody(header: String, measured: Bool) throws {
        let text =
            "POST /a HTTP/1.1\r\n\(header)\r\n\r\nabc"
            + "GET /\(String(repeating: "c", count: 300)) HTTP/1.1\r\nHost: x\r\n\r\n"
        let (_, lineGuard) = try feed(text, pieceBytes: 4096, lineBytesMax: 128)
        #expect(lineGuard.isRefused == measured)
    }
}
