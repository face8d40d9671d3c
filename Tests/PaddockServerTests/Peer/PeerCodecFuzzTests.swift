@testable import PaddockServer
import RaftCore
import Testing

/// Hostile input for the decoder: it must throw or return a frame that re-encodes to the
/// very bytes it came from, and never crash.
@Suite("Peer codec fuzz")
struct PeerCodecFuzzTests {
    /// Decodes `bytes`; when that succeeds, the frame must re-encode to `bytes`.
    /// Returns whether it decoded.
    @discardableResult
    static func checkDecode(_ bytes: [UInt8], frameBytesMax: Int = PeerCodec.frameBytesMaxDefault) -> Bool {
        guard let frame = try? PeerCodec.decode(bytes, frameBytesMax: frameBytesMax) else { return false }
        #expect(PeerCodec.encode(frame) == bytes, "\(frame) re-encoded differently")
        return true
    }

    @Test("random bytes, with and without a plausible header")
    func randomBytes() {
        var generator = SplitMix64(seed: 0x5EED_0001)
        var decoded = 0
        for round in 0..<6_000 {
            let count = Int.random(in: 0...48, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if round % 2 == 0 && count >= 6 {
                // A length that matches and a known version and kind, so the body parsers run.
                let length = UInt32(count - 4)
                bytes[0] = 0
                bytes[1] = 0
                bytes[2] = UInt8(length >> 8)
                bytes[3] = UInt8(truncatingIfNeeded: length)
                bytes[4] = PeerCodec.frameVersion
                bytes[5] = UInt8.random(in: 1...4, using: &generator)
            }
            if Self.checkDecode(bytes, frameBytesMax: 64) { decoded += 1 }
        }
        // The plausible headers must let some random bodies through (forward frames with
        // short payloads), or the body parsers were never exercised.
        #expect(decoded > 0)
    }

    @Test("every truncation of a valid frame throws")
    func truncations() {
        var cases = 0
        for frame in PeerFrameSamples.small {
            let bytes = PeerCodec.encode(frame)
            #expect(Self.checkDecode(bytes))
            for length in 0..<bytes.count {
                let cut = Array(bytes[0..<length])
                #expect(!Self.checkDecode(cut), "\(frame) cut at \(length) decoded")
                // The same truncation with a length prefix that matches what is left.
                if length > PeerCodec.prefixBytes {
                    var relabelled = cut
                    let rest = UInt32(length - PeerCodec.prefixBytes)
                    for i in 0..<4 { relabelled[i] = UInt8(truncatingIfNeeded: rest >> UInt32(24 - 8 * i)) }
                    Self.checkDecode(relabelled)
                }
                cases += 1
            }
        }
        #expect(cases > 2_000)
    }

    @Test("random bit flips and byte changes of valid frames")
    func bitFlips() {
        var generator = SplitMix64(seed: 0x5EED_0002)
        let frames = PeerFrameSamples.small.map { PeerCodec.encode($0) }
        var rejected = 0
        for round in 0..<9_000 {
            var bytes = frames[round % frames.count]
            let changes = Int.random(in: 1...3, using: &generator)
            for _ in 0..<changes {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                if round % 3 == 0 {
                    bytes[position] = UInt8.random(in: 0...255, using: &generator)
                } else {
                    bytes[position] ^= UInt8(1) << UInt8.random(in: 0...7, using: &generator)
                }
            }
            if !Self.checkDecode(bytes) { rejected += 1 }
        }
        #expect(rejected > 0)
    }
}
