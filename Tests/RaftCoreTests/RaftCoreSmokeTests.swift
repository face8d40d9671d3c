import Testing
@testable import RaftCore

@Suite struct RaftCoreModuleTests {
    @Test func moduleLinks() {
        #expect(String(describing: RaftCoreModuleTests.self).hasPrefix("RaftCore"))
    }
}
