import Testing
import ZNodeTree

@Suite struct EntryCodecTests {
    static let samples: [Entry] = [
        Entry(zxid: Zxid(1), timeMs: 0, command: .noop),
        Entry(zxid: Zxid(2), timeMs: -5, idempotencyKey: "", command: .closeSession(SessionID(.max))),
        Entry(zxid: Zxid(3), timeMs: .max, idempotencyKey: "k\u{E9}y", command: .create(CreateOp(
            path: p("/a/b"), data: [0, 255, 7], kind: .ephemeralSequential, session: SessionID(42),
            ttlMs: nil, createParents: true))),
        Entry(zxid: Zxid(4), timeMs: .min, command: .create(CreateOp(path: p("/t"), kind: .ttl, ttlMs: 9))),
        Entry(zxid: Zxid(5), timeMs: 1, command: .setData(SetDataOp(path: .root, data: [], expectedVersion: -1))),
        Entry(zxid: Zxid(6), timeMs: 1, command: .delete(DeleteOp(path: p("/x"), expectedVersion: 3, recursive: true))),
        Entry(zxid: Zxid(7), timeMs: 1, command: .multi([
            .check(CheckOp(path: p("/x"))), .check(CheckOp(path: p("/y"), expectedVersion: 0)),
            .delete(DeleteOp(path: p("/z"))), .setData(SetDataOp(path: p("/w"), data: [1])),
            .create(CreateOp(path: p("/v"), kind: .container)),
        ])),
        Entry(zxid: Zxid(8), timeMs: 1, command: .multi([])),
        Entry(zxid: Zxid(9), timeMs: 1, command: .openSession(id: SessionID(0), ttlMs: 10_000)),
        Entry(zxid: Zxid(10), timeMs: 1, command: .expireSessions([SessionID(1), SessionID(1 << 63)])),
        Entry(zxid: Zxid(.max), timeMs: 1, command: .expireTTLNodes([p("/a"), p("/b/c")])),
    ]

    @Test(arguments: samples)
    func roundTrip(_ entry: Entry) throws {
        let bytes = entry.encoded()
        #expect(try Entry(decoding: bytes, zxid: entry.zxid) == entry)
        // Every strict prefix is truncated and throws.
        for length in 0..<bytes.count {
            #expect(throws: CodecError.self) { try Entry(decoding: Array(bytes[..<length]), zxid: entry.zxid) }
        }
        #expect(throws: CodecError.self) { try Entry(decoding: bytes + [0], zxid: entry.zxid) }
    }

    @Test func compactAndVersioned() throws {
        let noop = Entry(zxid: Zxid(1), timeMs: 1_700_000_000_000, command: .noop).encoded()
        #expect(noop.count == 9)  // version, 7-byte time, key absent, tag
        #expect(noop.first == 1)
        let create = Entry(zxid: Zxid(1), timeMs: 0, command: .create(CreateOp(path: p("/a"), data: b("x")))).encoded()
        #expect(create == [1, 0, 0, 1, 2, 0x2F, 0x61, 1, 0x78, 0, 0])
        var future = noop
        future[0] = 2
        #expect(throws: CodecError(code: .unsupportedVersion, message: "entry format version 2", offset: 0)) {
            try Entry(decoding: future, zxid: Zxid(1))
        }
    }

    @Test func rejectsInvalidFields() {
        // Create of "/a/" (invalid path), unknown kind, unknown flags, and a bad op tag.
        let cases: [[UInt8]] = [
            [1, 0, 0, 1, 3, 0x2F, 0x61, 0x2F, 0, 0, 0],
            [1, 0, 0, 1, 2, 0x2F, 0x61, 0, 9, 0],
            [1, 0, 0, 1, 2, 0x2F, 0x61, 0, 0, 8],
            [1, 0, 0, 5, 1, 99],
            [1, 0, 0, 77],
            [1, 0, 2, 2, 0xFF, 0xFE, 10],  // key is not UTF-8
            [1, 0, 0, 5, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F],  // huge count
            [1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0, 10],  // varint over 64 bits
        ]
        for bytes in cases {
            #expect(throws: CodecError.self, "\(bytes)") { try Entry(decoding: bytes, zxid: Zxid(1)) }
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func fuzzNeverCrashes(_ seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        var commands = RandomCommands(seed: seed)
        var decodedCount = 0
        for round in 0..<2_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if !bytes.isEmpty && Bool.random(using: &rng) { bytes[0] = 1 }
            } else {
                bytes = commands.entry(zxid: Zxid(1), timeMs: 5).encoded()
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            // Whatever decodes must re-encode to something that decodes to the same entry.
            if let entry = try? Entry(decoding: bytes, zxid: Zxid(9)) {
                decodedCount += 1
                #expect((try? Entry(decoding: entry.encoded(), zxid: Zxid(9))) == entry)
            }
        }
        #expect(decodedCount > 0 && decodedCount < 2_000)
    }
}

@Suite struct SnapshotTests {
    @Test func emptyTreeRoundTrip() throws {
        let tree = ZNodeTree()
        let restored = try ZNodeTree(snapshot: tree.snapshot())
        #expect(restored.snapshot() == tree.snapshot())
        #expect(restored.digest() == tree.digest())
        #expect(restored.nodeCount == 1 && restored.lastApplied == .zero)
    }

    /// Applies random entries; at checkpoints the snapshot must restore to a tree that is
    /// byte-identical and that then behaves identically on the rest of the log.
    @Test(arguments: [11, 12, 13, 14] as [UInt64])
    func randomHistoryRoundTrips(_ seed: UInt64) throws {
        var commands = RandomCommands(seed: seed)
        var tree = ZNodeTree(limits: .init(idempotencyRetentionMs: 400, idempotencyKeysMax: 5))
        var timeMs: Int64 = 0
        var shadow: ZNodeTree?
        var failures = 0
        for index in 1...600 {
            timeMs += Int64.random(in: 0...20, using: &commands.rng)
            let entry = commands.entry(zxid: Zxid(UInt64(index)), timeMs: timeMs)
            #expect(try Entry(decoding: entry.encoded(), zxid: entry.zxid) == entry)
            let before = tree
            let output = tree.apply(entry)
            #expect(output.events.allSatisfy { $0.zxid == entry.zxid })
            if case .failed = output.result {
                failures += 1
                // A failure changes what a noop changes, and no more (keys aside).
                var expected = before
                _ = expected.apply(Entry(zxid: entry.zxid, timeMs: entry.timeMs, command: .noop))
                if entry.idempotencyKey == nil { #expect(expected.snapshot() == tree.snapshot(), "\(entry)") }
                #expect(output.events.isEmpty)
            }
            if var restored = shadow {
                #expect(restored.apply(entry) == output)
                shadow = restored
            }
            if index % 150 == 0 {
                let bytes = tree.snapshot()
                let restored = try ZNodeTree(snapshot: bytes)
                #expect(restored.snapshot() == bytes)
                #expect(restored.digest() == tree.digest())
                #expect(restored.sessions == tree.sessions)
                #expect(SnapshotTests.content(of: restored) == SnapshotTests.content(of: tree))
                #expect(restored.expiredTTLNodes(asOfMs: .max) == tree.expiredTTLNodes(asOfMs: .max))
                if let shadow { #expect(shadow.snapshot() == bytes) }
                shadow = restored
            }
        }
        #expect(failures > 50 && failures < 550)
        #expect(tree.nodeCount > 3)
    }

    /// Every node reached from the root through `children(of:)`, with its data and stat,
    /// after checking that each stat agrees with what the reads show.
    static func content(of tree: ZNodeTree) -> [String] {
        var lines: [String] = []
        var pending: [ZNodePath] = [.root]
        var visited = 0
        while let path = pending.popLast(), visited <= tree.nodeCount {
            visited += 1
            guard let node = tree.node(at: path), let children = tree.children(of: path) else {
                Issue.record("\(path) listed but missing")
                continue
            }
            #expect(node.stat.numChildren == children.count, "\(path)")
            #expect(node.stat.dataLength == node.data.count, "\(path)")
            if let owner = node.stat.ephemeralOwner {
                #expect(tree.session(owner)?.ephemerals.contains(path) == true, "\(path)")
            }
            lines.append("\(path) \(node.data) \(node.stat)")
            pending.append(contentsOf: children.map { path.appending($0) })
        }
        #expect(visited == tree.nodeCount)
        return lines
    }

    @Test func copiesAreIndependentSnapshots() {
        var h = Harness()
        h.create("/a", "1")
        let copy = h.tree
        let frozen = copy.snapshot()
        h.set("/a", "2")
        h.create("/b")
        #expect(copy.snapshot() == frozen)
        #expect(copy.node(at: p("/a"))?.data == b("1"))
        #expect(h.tree.snapshot() != frozen)
    }

    @Test func equalTreesHaveEqualBytesWhateverTheOrder() {
        var first = Harness()
        var second = Harness()
        // One multi stamps every node with the same zxid and time, so only the order differs.
        first.apply(.multi(["x", "y", "z", "w"].map { .create(CreateOp(path: p("/" + $0))) }))
        second.apply(.multi(["w", "z", "x", "y"].map { .create(CreateOp(path: p("/" + $0))) }))
        #expect(first.tree.snapshot() == second.tree.snapshot())
        #expect(first.tree.digest() == second.tree.digest())
        second.set("/x", "")
        #expect(first.tree.digest() != second.tree.digest())
    }

    @Test func garbageAndMutationsThrowOrStayValid() throws {
        var h = Harness()
        h.openSession(1)
        h.create("/a", "data")
        h.create("/a/e", kind: .ephemeral, session: SessionID(1))
        h.create("/t", kind: .ttl, ttlMs: 5)
        h.apply(.noop, key: "k")
        let bytes = h.tree.snapshot()
        for length in 0..<bytes.count {
            #expect(throws: CodecError.self) { try ZNodeTree(snapshot: Array(bytes[..<length])) }
        }
        #expect(throws: CodecError.self) { try ZNodeTree(snapshot: bytes + [0]) }
        var rng = SeededGenerator(seed: 99)
        var accepted = 0
        for _ in 0..<3_000 {
            var mutated = bytes
            for _ in 0..<Int.random(in: 1...2, using: &rng) {
                mutated[Int.random(in: 0..<mutated.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if let tree = try? ZNodeTree(snapshot: mutated) {
                accepted += 1
                #expect(try ZNodeTree(snapshot: tree.snapshot()).snapshot() == tree.snapshot())
            }
        }
        #expect(accepted < 3_000)
        for _ in 0..<500 {
            let noise = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(throws: CodecError.self) { try ZNodeTree(snapshot: noise) }
        }
    }
}

@Suite struct SnapshotFormatTests {
    static func varint(_ value: UInt64) -> [UInt8] {
        var rest = value
        var bytes: [UInt8] = []
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        return bytes + [UInt8(rest)]
    }

    static func signed(_ value: Int64) -> [UInt8] { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    /// A snapshot of a tree with only the root, written by hand from the format comment.
    static func rootOnly(version: Int64 = 0, sequenceNext: Int64 = 0, kind: UInt8 = 0) -> [UInt8] {
        Array("PDKS".utf8) + [1] + signed(600_000) + varint(100_000) + varint(4_096)
            + [0]  // lastApplied
            + [0]  // sessions
            + [1, 1, 0x2F, 0]  // one node: "/", empty data
            + [0, 0, 0, 0, 0] + signed(version) + [0]  // zxids, times, version, cversion
            + [kind, 0, 0] + signed(sequenceNext)  // kind, no owner, no ttl, counter
            + signed(.min) + [0]  // idempotency: newest time, no records
    }

    @Test func emptyTreeMatchesTheDocumentedFormat() throws {
        #expect(ZNodeTree().snapshot() == SnapshotFormatTests.rootOnly())
        #expect(try ZNodeTree(snapshot: SnapshotFormatTests.rootOnly(version: 3)).stat(at: .root)?.version == 3)
    }

    @Test(arguments: [
        SnapshotFormatTests.rootOnly(version: -1),
        SnapshotFormatTests.rootOnly(version: (1 << 62) + 1),
        SnapshotFormatTests.rootOnly(sequenceNext: .max),
        SnapshotFormatTests.rootOnly(kind: 1),  // an ephemeral root
        SnapshotFormatTests.rootOnly(kind: 6),  // unknown kind
    ])
    func rejectsInconsistentRoot(_ bytes: [UInt8]) {
        #expect(throws: CodecError.self) { try ZNodeTree(snapshot: bytes) }
    }
}
