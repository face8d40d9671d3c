import Testing
@testable import PaddockSimulation

@Suite struct PaddockSimulationModuleTests {
    @Test func moduleLinks() {
        #expect(String(describing: PaddockSimulationModuleTests.self).hasPrefix("PaddockSimulation"))
    }
}
