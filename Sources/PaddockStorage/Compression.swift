import CZlib

/// zlib helpers: deflate and inflate whole buffers, and CRC-32.
///
/// Public so that tests and the snapshot download endpoint can use the same format the
/// store writes (a zlib stream, RFC 1950, which carries its own Adler-32).
public enum Compression {
    /// The largest buffer zlib accepts in one call; Paddock's snapshots stay far below it.
    static let chunkBytesMax = Int(UInt32.max)
    /// The most bytes one compressed byte can inflate to: a deflate match of 258 bytes
    /// costs at least 2 bits, so no zlib stream exceeds 1032:1 (RFC 1951 §3.2.5).
    static let inflateRatioMax = 1032
    /// Slack over `inflateRatioMax` for the stream header and the last partial block.
    static let inflateSlackBytes = 1024

    /// Compresses `bytes` into one zlib stream.
    ///
    /// - Parameter level: 0 (store) to 9 (smallest); 6 is zlib's balance of speed and size.
    /// - Throws: `.compression` if zlib refuses the level or fails;
    ///   `.misuse` if the input exceeds 4 GiB.
    public static func deflate(_ bytes: [UInt8], level: Int32 = 6) throws(StorageError) -> [UInt8] {
        try bytes.withUnsafeBufferPointer { (buffer) throws(StorageError) in
            try deflate(buffer: buffer, level: level)
        }
    }

    /// Compresses borrowed bytes into one zlib stream; see `deflate(_:level:)`.
    static func deflate(buffer bytes: UnsafeBufferPointer<UInt8>, level: Int32) throws(StorageError) -> [UInt8] {
        guard (0...9).contains(level) else {
            throw StorageError(code: .compression, message: "deflate level \(level) is not in 0...9")
        }
        guard bytes.count <= chunkBytesMax else {
            throw StorageError(code: .misuse, message: "deflate input of \(bytes.count) bytes exceeds 4 GiB")
        }
        // zlib keeps a pointer back to the stream, so it lives at one fixed address.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let initResult = paddock_deflate_init(stream, level)
        guard initResult == Z_OK else {
            throw zlibError("deflateInit", initResult, stream)
        }
        defer { CZlib.deflateEnd(stream) }
        let boundBytes = Int(deflateBound(stream, uLong(bytes.count)))
        var output = [UInt8](repeating: 0, count: max(boundBytes, 16))
        let outputCapacity = output.count
        let result: Int32 = output.withUnsafeMutableBufferPointer { out in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress)
            stream.pointee.avail_in = uInt(bytes.count)
            stream.pointee.next_out = out.baseAddress
            stream.pointee.avail_out = uInt(outputCapacity)
            return CZlib.deflate(stream, Z_FINISH)
        }
        guard result == Z_STREAM_END else {
            throw zlibError("deflate", result, stream)
        }
        let compressedCount = Int(stream.pointee.total_out)
        // Trimming keeps the capacity; copy instead when most of it would be wasted.
        if compressedCount < output.count / 2 {
            return Array(output[..<compressedCount])
        }
        output.removeSubrange(compressedCount...)
        return output
    }

    /// Inflates one zlib stream that must yield exactly `expectedCount` bytes.
    ///
    /// The length is known because the store records it; a stream that ends early, runs
    /// long, or has bytes after its end is treated as damaged. A length no stream of this
    /// size can reach is refused before the output is allocated, so a damaged length field
    /// cannot make the process allocate gigabytes.
    /// - Throws: `.compression` when the stream is damaged or its length differs.
    public static func inflate(_ bytes: [UInt8], expectedCount: Int) throws(StorageError) -> [UInt8] {
        try bytes.withUnsafeBufferPointer { (buffer) throws(StorageError) in
            try inflate(buffer: buffer, expectedCount: expectedCount)
        }
    }

    /// Inflates borrowed bytes; see `inflate(_:expectedCount:)`.
    static func inflate(buffer bytes: UnsafeBufferPointer<UInt8>, expectedCount: Int) throws(StorageError) -> [UInt8] {
        guard expectedCount >= 0, expectedCount <= chunkBytesMax, bytes.count <= chunkBytesMax else {
            throw StorageError(
                code: .misuse,
                message: "inflate of \(bytes.count) bytes to \(expectedCount) bytes is out of range"
            )
        }
        guard expectedCount <= bytes.count * inflateRatioMax + inflateSlackBytes else {
            throw StorageError(
                code: .compression,
                message: "\(bytes.count) compressed bytes cannot inflate to the expected \(expectedCount) bytes"
            )
        }
        // zlib keeps a pointer back to the stream, so it lives at one fixed address.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let initResult = paddock_inflate_init(stream)
        guard initResult == Z_OK else {
            throw zlibError("inflateInit", initResult, stream)
        }
        defer { inflateEnd(stream) }
        // One spare byte lets a stream that runs longer than expected show itself.
        let capacity = expectedCount + 1
        var output = [UInt8](repeating: 0, count: capacity)
        let result: Int32 = output.withUnsafeMutableBufferPointer { out in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress)
            stream.pointee.avail_in = uInt(bytes.count)
            stream.pointee.next_out = out.baseAddress
            stream.pointee.avail_out = uInt(capacity)
            return CZlib.inflate(stream, Z_FINISH)
        }
        guard result == Z_STREAM_END else {
            if result == Z_BUF_ERROR && stream.pointee.avail_out == 0 {
                throw StorageError(
                    code: .compression,
                    message: "inflated stream is longer than the expected \(expectedCount) bytes"
                )
            }
            if result == Z_BUF_ERROR {
                throw StorageError(
                    code: .compression,
                    message: "compressed stream of \(bytes.count) bytes is truncated"
                )
            }
            throw zlibError("inflate", result, stream)
        }
        guard Int(stream.pointee.total_out) == expectedCount else {
            throw StorageError(
                code: .compression,
                message: "inflated \(stream.pointee.total_out) bytes, expected \(expectedCount)"
            )
        }
        guard stream.pointee.avail_in == 0 else {
            throw StorageError(
                code: .compression,
                message: "\(stream.pointee.avail_in) bytes follow the end of the compressed stream"
            )
        }
        output.removeLast()
        return output
    }

    /// The CRC-32 (ISO-HDLC, as in zlib, gzip and PNG) of `bytes`.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { crc32(continuing: 0, $0) }
    }

    /// Extends a running CRC-32 with more bytes; start from 0.
    static func crc32(continuing crc: UInt32, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var running = uLong(crc)
        var offset = 0
        while offset < bytes.count {
            let chunk = min(bytes.count - offset, 1 << 30)
            running = CZlib.crc32(running, bytes.baseAddress! + offset, uInt(chunk))
            offset += chunk
        }
        return UInt32(truncatingIfNeeded: running)
    }

    private static func zlibError(_ call: String, _ result: Int32, _ stream: UnsafeMutablePointer<z_stream>) -> StorageError {
        let detail = stream.pointee.msg.map { String(cString: $0) }
        return StorageError(
            code: .compression,
            message: "\(call) failed with zlib result \(result)",
            cause: detail
        )
    }
}
