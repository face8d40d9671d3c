import Foundation
import Glibc
import NIOCore
import NIOPosix
import PaddockTestSupport
import Testing

/// A second termination signal ends a member whose shutdown stalls.
@Suite struct ProcessSignalTests {
    @Test(.timeLimit(.minutes(1))) func aSecondSignalWhileStoppingExitsAtOnceWithStatus1() async throws {
        let dir = try TempDirectory("signal")
        defer { dir.remove() }
        let server = try await PaddockProcess.launch(dataDir: dir.path)
        defer { server.kill() }
        // A request whose body stops arriving keeps the drain waiting (10 s by default).
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: server.address.host, port: server.address.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let status = try await channel.executeThenClose { inbound, outbound in
            let head =
                "POST /v1/nodes/p HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n"
                + "Expect: 100-continue\r\n\r\n"
            try await outbound.write(ByteBuffer(string: head))
            // The interim answer proves the server holds the request open, waiting for its body.
            var received = ""
            var iterator = inbound.makeAsyncIterator()
            while !received.contains("100 Continue"), let chunk = try await iterator.next() {
                received += String(buffer: chunk)
            }
            try await outbound.write(ByteBuffer(string: "{\"d"))
            Glibc.kill(server.pid, SIGTERM)
            #expect(await eventually(timeoutMs: 10_000) { server.log.contains("stopping") })
            return await server.stop(signal: SIGTERM, timeoutMs: 5_000)
        }
        #expect(status == 1)
        #expect(server.log.contains("while stopping; exiting now"))
    }
}
