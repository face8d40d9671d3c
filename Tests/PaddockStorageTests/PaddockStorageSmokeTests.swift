import Testing
@testable import PaddockStorage

@Suite struct PaddockStorageModuleTests {
    @Test func moduleLinks() {
        #expect(String(describing: PaddockStorageModuleTests.self).hasPrefix("PaddockStorage"))
    }
}
