import Foundation
import PaddockTestSupport
import Testing
@testable import PaddockSimulation

/// Every shared history gets exactly its published verdict. The checks run on threads of
/// their own (`onOwnThread`): the larger histories take seconds.
@Suite struct LinearizabilityVectorTests {
    @Test func allVectorsArePresent() {
        #expect(TestVectors.cases("jepsen-etcd").count == 71)
        #expect(TestVectors.cases("porcupine-kv").count == 4)
    }

    @Test(arguments: TestVectors.cases("jepsen-etcd"))
    func jepsenRegister(_ vector: TestVectors.Case) async throws {
        let text = try String(contentsOf: vector.url, encoding: .utf8)
        let operations = try JepsenRegisterHistory.parse(text)
        #expect(operations.count >= 73 && operations.count <= 90)
        let result = try await onOwnThread { LinearizabilityChecker(model: RegisterModel()).check(operations) }
        #expect(result.verdict == (vector.linearizable ? .linearizable : .notLinearizable))
    }

    @Test(arguments: TestVectors.cases("porcupine-kv"))
    func porcupineKeyValue(_ vector: TestVectors.Case) async throws {
        let text = try String(contentsOf: vector.url, encoding: .utf8)
        let operations = try PorcupineKeyValueHistory.parse(text)
        #expect(operations.allSatisfy { !$0.isOutcomeUnknown })
        let result = try await onOwnThread { LinearizabilityChecker(model: KeyValueModel()).check(operations) }
        #expect(result.verdict == (vector.linearizable ? .linearizable : .notLinearizable))
        #expect(result.partitionCount >= 8)
    }
}
