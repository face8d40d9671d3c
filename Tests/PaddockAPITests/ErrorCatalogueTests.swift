import Foundation
import PaddockAPI
import Testing
import ZNodeTree

@Suite struct ErrorCatalogueTests {
    @Test func everyTreeCodeHasTheSameNameInTheAPI() {
        for code in ErrorCode.allCases {
            #expect(APIErrorCode(code).rawValue == code.rawValue)
        }
    }

    @Test func statusesAreErrorsAndTypesAreStable() {
        for code in APIErrorCode.allCases {
            #expect((400...599).contains(code.httpStatus), "\(code)")
            #expect(code.typeURI == "https://paddock.dev/errors/\(code.rawValue)")
            #expect(!code.title.isEmpty)
        }
        #expect(APIErrorCode.noNode.httpStatus == 404)
        #expect(APIErrorCode.badVersion.httpStatus == 409)
        #expect(APIErrorCode.sessionExpired.httpStatus == 410)
        #expect(APIErrorCode.tooLarge.httpStatus == 413)
        #expect(APIErrorCode.headerTooLarge.httpStatus == 431)
        #expect(APIErrorCode.unavailable.httpStatus == 503)
    }

    @Test func problemBodyDecodesWithCodable() throws {
        let problem = ProblemDetails(.badVersion, detail: "expected 1, found 2", path: "/a", opIndex: 3)
        let decoded = try JSONDecoder().decode(ProblemDetails.self, from: Data(problem.jsonBytes()))
        #expect(decoded == problem)
        #expect(decoded.apiCode == .badVersion)
        #expect(decoded.status == 409)
        let minimal = ProblemDetails(.notFound, detail: "no route")
        let text = String(decoding: minimal.jsonBytes(), as: UTF8.self)
        #expect(!text.contains("opIndex"))
        #expect(!text.contains("\"path\""))
    }

    @Test func base64DataEncoding() {
        #expect(DataEncoding.base64.decode("aGVsbG8=") == Array("hello".utf8))
        #expect(DataEncoding.base64.decode("not base64!") == nil)
        #expect(DataEncoding.base64String([0, 255]) == "AP8=")
        #expect(DataEncoding.utf8.decode("é") == [0xC3, 0xA9])
    }
}
