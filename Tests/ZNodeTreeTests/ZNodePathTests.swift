import Testing
import ZNodeTree

@Suite struct ZNodePathTests {
    @Test(arguments: [
        "/", "/a", "/a/b", "/a.b", "/...", "/.a", "/a..", "/zoo keeper", "/é/ü", "/a-b_c/0000000001",
        "/" + String(repeating: "x", count: 1023),
    ])
    func acceptsValidPaths(_ text: String) throws {
        let path = try ZNodePath(validating: text)
        #expect(path.string == text)
        #expect(path.description == text)
    }

    @Test(arguments: [
        ("", "path is empty"),
        ("a", "path must start with /"),
        ("a/b", "path must start with /"),
        ("//a", "path contains an empty segment (//)"),
        ("/a//b", "path contains an empty segment (//)"),
        ("/a/", "path must not end with /"),
        ("//", "path must not end with /"),
        ("/a/./b", "path contains a relative segment (. or ..)"),
        ("/.", "path contains a relative segment (. or ..)"),
        ("/..", "path contains a relative segment (. or ..)"),
        ("/a/..", "path contains a relative segment (. or ..)"),
        ("/a\u{0}b", "path contains the control character U+0000"),
        ("/a\u{1F}", "path contains the control character U+001F"),
        ("/a\nb", "path contains the control character U+000A"),
        ("/a\u{7F}", "path contains the control character U+007F"),
        ("/a\u{9F}", "path contains the control character U+009F"),
        ("/" + String(repeating: "x", count: 1024), "path is 1025 bytes long, longer than the limit of 1024"),
    ])
    func rejectsInvalidPaths(_ text: String, _ message: String) {
        #expect(throws: PathError(path: text, message: message)) {
            try ZNodePath(validating: text)
        }
    }

    @Test func limitCountsUTF8Bytes() throws {
        let twoByteChars = "/" + String(repeating: "é", count: 6)  // 13 bytes
        #expect(throws: PathError.self) { try ZNodePath(validating: twoByteChars, bytesMax: 12) }
        #expect(try ZNodePath(validating: twoByteChars, bytesMax: 13).string == twoByteChars)
        #expect(try ZNodePath(validating: "/\u{A0}").string == "/\u{A0}")  // U+00A0 is not a control character
    }

    @Test func navigation() {
        #expect(ZNodePath.root.isRoot)
        #expect(ZNodePath.root.parent == nil)
        #expect(ZNodePath.root.name == "")
        #expect(ZNodePath.root.depth == 0)
        #expect(p("/a").parent == .root)
        #expect(p("/a/b/c").parent == p("/a/b"))
        #expect(p("/a/b/c").name == "c")
        #expect(p("/a/b/c").depth == 3)
        #expect(ZNodePath.root.appending("a") == p("/a"))
        #expect(p("/a").appending("b") == p("/a/b"))
        #expect(!p("/a").isRoot)
    }

    @Test(arguments: [
        ("/", "/a", true), ("/", "/", false), ("/a", "/a/b", true), ("/a", "/a/b/c", true),
        ("/a", "/ab", false), ("/a", "/a", false), ("/a/b", "/a", false), ("/b", "/a/b", false),
    ])
    func ancestry(_ ancestor: String, _ other: String, _ expected: Bool) {
        #expect(p(ancestor).isAncestor(of: p(other)) == expected)
    }

    @Test func equalityAndOrderUseBytes() {
        let composed = p("/\u{E9}")
        let decomposed = p("/e\u{301}")
        #expect(composed != decomposed)
        #expect(Set([composed, decomposed]).count == 2)
        #expect([p("/b"), p("/a/b"), p("/a-b"), p("/a")].sorted().map(\.string) == ["/a", "/a-b", "/a/b", "/b"])
    }

    /// Random pairs with long shared prefixes and multi-byte characters, so that the
    /// word-at-a-time comparison meets a difference in every position of a word and in the
    /// tail: `==`, `<` and hashing must agree with the plain UTF-8 byte comparison.
    @Test func comparisonAgreesWithTheUTF8Bytes() {
        var rng = SeededGenerator(seed: 7)
        let pieces = ["a", "b", "/", "\u{E9}", "e\u{301}", "\u{1F600}", "zz"]
        func randomPath() -> ZNodePath {
            var text = "/service-prefix-shared"
            for _ in 0..<Int.random(in: 0...12, using: &rng) { text += pieces.randomElement(using: &rng)! }
            text = text.replacingSlashRuns()
            return p(text.hasSuffix("/") ? text + "x" : text)
        }
        var equalPairs = 0
        for _ in 0..<2_000 {
            let left = randomPath()
            let right = Bool.random(using: &rng) ? randomPath() : p(left.string)
            let bytesEqual = left.string.utf8.elementsEqual(right.string.utf8)
            #expect((left == right) == bytesEqual, "\(left) \(right)")
            #expect((left < right) == left.string.utf8.lexicographicallyPrecedes(right.string.utf8), "\(left) \(right)")
            if bytesEqual {
                equalPairs += 1
                #expect(left.hashValue == right.hashValue)
            }
        }
        #expect(equalPairs > 500 && equalPairs < 1_500)
    }

    @Test func sessionIDText() {
        #expect(SessionID(0x1f).description == "000000000000001f")
        #expect(SessionID(.max).description == "ffffffffffffffff")
        #expect(SessionID(hex: "000000000000001F") == SessionID(0x1f))
        #expect(SessionID(hex: "ffffffffffffffff") == SessionID(.max))
        #expect(SessionID(hex: "") == nil)
        #expect(SessionID(hex: "12345678901234567") == nil)
        #expect(SessionID(hex: "0x12") == nil)
        #expect(SessionID(hex: "g") == nil)
        #expect(Zxid(42).description == "42")
        #expect(Zxid.zero < Zxid(1))
    }
}

extension String {
    /// The text with every run of slashes made one slash.
    fileprivate func replacingSlashRuns() -> String {
        var result = ""
        for character in self where !(character == "/" && result.hasSuffix("/")) {
            result.append(character)
        }
        return result
    }
}
