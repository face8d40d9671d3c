import Testing
@testable import ZNodeTree

@Suite struct ZNodeTreeModuleTests {
    @Test func moduleLinks() {
        #expect(String(describing: ZNodeTreeModuleTests.self).hasPrefix("ZNodeTree"))
    }
}
