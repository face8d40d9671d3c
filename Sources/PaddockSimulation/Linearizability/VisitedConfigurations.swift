/// The set of (operations already linearized, model state) pairs a search has explored.
///
/// This is the cache of Lowe's refinement of the Wing–Gong search: reaching the same set
/// of linearized operations with the same state twice leads to the same future, so the
/// second visit is pruned. Keys live in one flat arena and the table is open addressing,
/// so an insert allocates nothing in the common case.
///
/// The caller supplies the key's 64-bit hash, kept incrementally (see `WingGongSearch`),
/// so hashing costs nothing per insert; equal hashes are confirmed word by word.
struct VisitedConfigurations {
    /// Words per linearized-set bitset.
    private let wordCount: Int
    /// Stored keys, `wordCount + 1` words each: the bitset words, then the state number.
    private var arena: [UInt64] = []
    /// The full hash of each stored key, by key number.
    private var hashes: [UInt64] = []
    /// Open-addressing slots holding key numbers, or -1 when empty.
    private var slots: [Int32]
    /// How many keys are stored.
    private(set) var count = 0

    /// An empty set for bitsets of `wordCount` words.
    init(wordCount: Int) {
        self.wordCount = wordCount
        self.slots = Array(repeating: -1, count: 1024)
    }

    /// Adds the key (`bits`, `state`) with hash `hash`.
    ///
    /// - Returns: true when the key was not there before.
    mutating func insert(bits: [UInt64], state: Int32, hash: UInt64) -> Bool {
        if (count + 1) * 2 > slots.count { grow() }
        let stride = wordCount + 1
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let keyNumber = Int(slots[slot])
            if keyNumber < 0 { break }
            if hashes[keyNumber] == hash && matches(keyNumber * stride, bits: bits, state: state) {
                return false
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(count)
        arena.append(contentsOf: bits)
        arena.append(UInt64(UInt32(bitPattern: state)))
        hashes.append(hash)
        count += 1
        return true
    }

    /// Whether the stored key at `offset` equals (`bits`, `state`).
    private func matches(_ offset: Int, bits: [UInt64], state: Int32) -> Bool {
        if arena[offset + wordCount] != UInt64(UInt32(bitPattern: state)) { return false }
        for word in 0..<wordCount where arena[offset + word] != bits[word] {
            return false
        }
        return true
    }

    /// Doubles the table and re-places every key.
    private mutating func grow() {
        let capacity = slots.count * 2
        let mask = capacity - 1
        var newSlots = [Int32](repeating: -1, count: capacity)
        for keyNumber in 0..<count {
            var slot = Int(truncatingIfNeeded: hashes[keyNumber]) & mask
            while newSlots[slot] >= 0 { slot = (slot + 1) & mask }
            newSlots[slot] = Int32(keyNumber)
        }
        slots = newSlots
    }
}
