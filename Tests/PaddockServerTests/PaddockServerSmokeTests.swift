import Testing
@testable import PaddockServer

@Suite struct PaddockServerModuleTests {
    @Test func moduleLinks() {
        #expect(String(describing: PaddockServerModuleTests.self).hasPrefix("PaddockServer"))
    }
}
