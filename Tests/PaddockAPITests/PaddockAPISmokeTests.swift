import Testing
@testable import PaddockAPI

@Suite struct PaddockAPIModuleTests {
    @Test func moduleLinks() {
        #expect(String(describing: PaddockAPIModuleTests.self).hasPrefix("PaddockAPI"))
    }
}
