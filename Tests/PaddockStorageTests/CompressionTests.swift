import Testing

@testable import PaddockStorage

@Suite struct CompressionTests {
    @Test(arguments: [0, 1, 100, 65_537, 300_000])
    func roundTrip(byteCount: Int) throws {
        let input = (0..<byteCount).map { UInt8(truncatingIfNeeded: ($0 * 7) ^ ($0 >> 5)) }
        let compressed = try Compression.deflate(input)
        #expect(try Compression.inflate(compressed, expectedCount: byteCount) == input)
    }

    @Test func jsonLikeTextCompressesWell() throws {
        let input = jsonLikeBytes(lineCount: 5_000)
        let compressed = try Compression.deflate(input, level: 6)
        #expect(Double(input.count) / Double(compressed.count) > 3)
        let fastest = try Compression.deflate(input, level: 1)
        #expect(try Compression.inflate(fastest, expectedCount: input.count) == input)
    }

    @Test func inflateOfGarbageThrows() {
        let garbage: [UInt8] = Array("this is not a zlib stream at all".utf8)
        let error = #expect(throws: StorageError.self) { try Compression.inflate(garbage, expectedCount: 10) }
        #expect(error?.code == .compression)
    }

    @Test func inflateChecksTheLength() throws {
        let input = Array("paddock paddock paddock".utf8)
        let compressed = try Compression.deflate(input)
        let short = #expect(throws: StorageError.self) { try Compression.inflate(compressed, expectedCount: input.count - 1) }
        #expect(short?.code == .compression)
        let long = #expect(throws: StorageError.self) { try Compression.inflate(compressed, expectedCount: input.count + 1) }
        #expect(long?.code == .compression)
        let truncated = #expect(throws: StorageError.self) {
            try Compression.inflate(Array(compressed.dropLast(3)), expectedCount: input.count)
        }
        #expect(truncated?.code == .compression)
        let trailing = #expect(throws: StorageError.self) {
            try Compression.inflate(compressed + [0], expectedCount: input.count)
        }
        #expect(trailing?.code == .compression)
    }

    @Test func invalidLevelThrows() {
        let error = #expect(throws: StorageError.self) { try Compression.deflate([1, 2, 3], level: 12) }
        #expect(error?.code == .compression)
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(Compression.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(Compression.crc32([]) == 0)
    }

    @Test func impossibleInflatedLengthIsRefusedBeforeAllocating() throws {
        let compressed = try Compression.deflate(Array("paddock".utf8))
        let error = #expect(throws: StorageError.self) {
            try Compression.inflate(compressed, expectedCount: 1 << 31)
        }
        #expect(error?.code == .compression)
        #expect(error?.message.contains("cannot inflate to") == true, "\(String(describing: error))")
        // The densest zlib stream (a long run of one byte) is still accepted.
        let run = [UInt8](repeating: 7, count: 1 << 20)
        #expect(try Compression.inflate(Compression.deflate(run, level: 9), expectedCount: run.count) == run)
    }
}
