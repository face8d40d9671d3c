import Foundation
import PaddockAPI
import PaddockServer
import Testing

/// `openapi/paddock.yaml` and the server agree: the same routes, the same error codes.
@Suite struct OpenAPIContractTests {
    /// The package root, found from this file's path (Tests/PaddockServerTests/...).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The spec's text.
    static func specText() throws -> String {
        let url = packageRoot.appendingPathComponent("openapi/paddock.yaml")
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// "METHOD /template" for every operation under `paths:` in the spec.
    ///
    /// The spec is YAML; its `paths:` block is shaped plainly enough (path keys indented
    /// by two spaces, method keys by four) to read without a YAML library.
    static func specOperations() throws -> Set<String> {
        let text = try specText()
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        var operations = Set<String>()
        var inPaths = false
        var currentPath: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty {
                inPaths = line == "paths:"
                currentPath = nil
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if let path = currentPath, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let key = line.dropFirst(4).prefix { $0 != ":" }
                if methods.contains(String(key)) {
                    operations.insert("\(key.uppercased()) \(path)")
                }
            }
        }
        return operations
    }

    @Test func specAndServerHaveTheSameRoutes() throws {
        let spec = try Self.specOperations()
        let server = Set(PaddockRoutes.all.map { "\($0.method) \($0.template)" })
        #expect(spec.count >= 10, "the spec parser found only \(spec.sorted())")
        #expect(spec.subtracting(server).sorted() == [], "in the spec but not served")
        #expect(server.subtracting(spec).sorted() == [], "served but not in the spec")
    }

    /// The `enum` of the `Problem` schema's `code` property.
    static func specErrorCodes() throws -> Set<String> {
        let lines = try specText().split(separator: "\n", omittingEmptySubsequences: false)
        guard let problem = lines.firstIndex(of: "    Problem:"),
              let code = lines[problem...].firstIndex(of: "        code:"),
              let list = lines[code...].firstIndex(of: "          enum:")
        else { return [] }
        var codes = Set<String>()
        for line in lines[(list + 1)...] {
            guard line.hasPrefix("            - ") else { break }
            codes.insert(String(line.dropFirst("            - ".count)))
        }
        return codes
    }

    @Test func specAndServerHaveTheSameErrorCodes() throws {
        let spec = try Self.specErrorCodes()
        let server = Set(APIErrorCode.allCases.map(\.rawValue))
        #expect(spec.count >= 10, "the spec parser found only \(spec.sorted())")
        #expect(spec.subtracting(server).sorted() == [], "in the spec but never sent")
        #expect(server.subtracting(spec).sorted() == [], "sent but not in the spec")
    }
}
