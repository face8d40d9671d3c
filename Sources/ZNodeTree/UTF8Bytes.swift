/// Equality, order and hashing of strings by their UTF-8 bytes, for paths, child names and
/// idempotency keys.
///
/// Every tree lookup ends in an equality check and every sorted listing or snapshot in
/// many order checks, so these work on the contiguous UTF-8 buffer of native strings
/// (eight bytes at a time where they can) and fall back to the `utf8` view otherwise.
enum UTF8Bytes {
    /// Whether `lhs` and `rhs` have the same UTF-8 bytes (not Unicode canonical equivalence).
    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.utf8
        let right = rhs.utf8
        guard left.count == right.count else { return false }
        let fast: Bool?? = left.withContiguousStorageIfAvailable { leftBytes in
            right.withContiguousStorageIfAvailable { rightBytes in
                firstDifference(leftBytes, rightBytes) == leftBytes.count
            }
        }
        if let fast, let fast { return fast }
        return left.elementsEqual(right)
    }

    /// Whether the UTF-8 bytes of `lhs` come before those of `rhs` lexicographically.
    static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.utf8
        let right = rhs.utf8
        let fast: Bool?? = left.withContiguousStorageIfAvailable { leftBytes in
            right.withContiguousStorageIfAvailable { rightBytes in
                let common = min(leftBytes.count, rightBytes.count)
                let index = firstDifference(
                    UnsafeBufferPointer(rebasing: leftBytes[..<common]),
                    UnsafeBufferPointer(rebasing: rightBytes[..<common]))
                if index < common { return leftBytes[index] < rightBytes[index] }
                return leftBytes.count < rightBytes.count
            }
        }
        if let fast, let fast { return fast }
        return left.lexicographicallyPrecedes(right)
    }

    /// Feeds the UTF-8 bytes of `string` to `hasher`, then a terminator, consistently with
    /// `equal`.
    static func hash(_ string: String, into hasher: inout Hasher) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { buffer in
            hasher.combine(bytes: UnsafeRawBufferPointer(buffer))
        }
        if done == nil {
            for byte in string.utf8 { hasher.combine(byte) }
        }
        hasher.combine(0xFF as UInt8)  // never part of UTF-8: terminates the sequence
    }

    /// The index of the first byte where `lhs` and `rhs` differ, or their count when they
    /// are equal.
    ///
    /// Precondition: both have the same count.
    private static func firstDifference(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Int {
        precondition(lhs.count == rhs.count, "comparing \(lhs.count) bytes with \(rhs.count)")
        guard let left = lhs.baseAddress, let right = rhs.baseAddress else { return 0 }
        let wordBytes = MemoryLayout<UInt64>.size
        var index = 0
        while index + wordBytes <= lhs.count {
            let leftWord = UnsafeRawPointer(left + index).loadUnaligned(as: UInt64.self)
            let rightWord = UnsafeRawPointer(right + index).loadUnaligned(as: UInt64.self)
            if leftWord != rightWord { break }
            index += wordBytes
        }
        while index < lhs.count && left[index] == right[index] {
            index += 1
        }
        return index
    }
}
