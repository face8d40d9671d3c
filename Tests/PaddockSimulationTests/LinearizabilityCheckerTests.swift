import Testing
@testable import PaddockSimulation

/// Hand-made histories with known answers, including unknown outcomes both ways.
@Suite struct LinearizabilityCheckerTests {
    private typealias RegisterOp = HistoryOperation<RegisterInput, RegisterOutput>

    private static func register(_ lines: [String]) throws -> [RegisterOp] {
        try JepsenRegisterHistory.parse(lines.map { "INFO  jepsen.util - \($0)\n" }.joined())
    }

    private static func verdict(_ lines: [String]) throws -> LinearizabilityVerdict {
        LinearizabilityChecker(model: RegisterModel()).check(try register(lines)).verdict
    }

    /// The README's examples A to E.
    static let readmeExamples: [(name: String, lines: [String], verdict: LinearizabilityVerdict)] = [
        ("A: read after a completed write must see it",
         ["0 :invoke :write 1", "0 :ok :write 1", "1 :invoke :read nil", "1 :ok :read nil"], .notLinearizable),
        ("B: a read overlapping a write may come first",
         ["0 :invoke :write 1", "1 :invoke :read nil", "0 :ok :write 1", "1 :ok :read nil"], .linearizable),
        ("C: a timed-out write takes effect after its :info line",
         ["0 :invoke :write 1", "0 :info :write :timed-out", "1 :invoke :read nil", "1 :ok :read nil",
          "1 :invoke :read nil", "1 :ok :read 1"], .linearizable),
        ("D: a timed-out write cannot take effect twice or be undone",
         ["0 :invoke :write 1", "0 :info :write :timed-out", "1 :invoke :read nil", "1 :ok :read nil",
          "1 :invoke :read nil", "1 :ok :read 1", "1 :invoke :read nil", "1 :ok :read nil"], .notLinearizable),
        ("E: a failed compare-and-set needs a different value",
         ["0 :invoke :write 2", "0 :ok :write 2", "1 :invoke :cas [2 3]", "1 :fail :cas [2 3]"], .notLinearizable),
    ]

    @Test(arguments: 0..<5)
    func readmeExample(_ index: Int) throws {
        let example = Self.readmeExamples[index]
        #expect(try Self.verdict(example.lines) == example.verdict, "\(example.name)")
    }

    @Test func emptyHistoryIsLinearizable() {
        let result = LinearizabilityChecker(model: RegisterModel()).check([])
        #expect(result.verdict == .linearizable)
        #expect(result.steps == 0)
    }

    @Test func unknownCompareAndSetMayNeverHappen() throws {
        // The CAS from 0 could never match (the register stays nil), and that is fine.
        #expect(try Self.verdict([
            "0 :invoke :cas [0 1]", "0 :info :cas :timed-out", "1 :invoke :read nil", "1 :ok :read nil",
        ]) == .linearizable)
    }

    @Test func unknownCompareAndSetTakesEffectLate() throws {
        #expect(try Self.verdict([
            "0 :invoke :write 0", "0 :ok :write 0",
            "1 :invoke :cas [0 4]", "1 :info :cas :timed-out",
            "2 :invoke :read nil", "2 :ok :read 0",
            "2 :invoke :read nil", "2 :ok :read 4",
        ]) == .linearizable)
    }

    @Test func unknownWriteCannotExplainAValueItNeverWrote() throws {
        #expect(try Self.verdict([
            "0 :invoke :write 1", "0 :info :write :timed-out",
            "1 :invoke :read nil", "1 :ok :read 2",
        ]) == .notLinearizable)
    }

    @Test func unknownWriteCannotTakeEffectBeforeItsCall() throws {
        #expect(try Self.verdict([
            "1 :invoke :read nil", "1 :ok :read 1",
            "0 :invoke :write 1", "0 :info :write :timed-out",
        ]) == .notLinearizable)
    }

    @Test func operationStillOpenAtTheEndIsUnknown() throws {
        let operations = try Self.register(["0 :invoke :write 3", "1 :invoke :read nil", "1 :ok :read 3"])
        #expect(operations.count == 2)
        #expect(operations.last?.isOutcomeUnknown == true)
        #expect(LinearizabilityChecker(model: RegisterModel()).check(operations).verdict == .linearizable)
    }

    @Test func timedOutReadConstrainsNothing() throws {
        #expect(try Self.verdict([
            "0 :invoke :write 1", "0 :ok :write 1", "1 :invoke :read nil", "1 :fail :read :timed-out",
        ]) == .linearizable)
    }

    @Test func concurrentCompareAndSetsOrderBySuccess() throws {
        // Both CAS overlap; only the order 0→1 then 1→2 explains both successes.
        #expect(try Self.verdict([
            "0 :invoke :write 0", "0 :ok :write 0",
            "1 :invoke :cas [1 2]", "2 :invoke :cas [0 1]", "1 :ok :cas [1 2]", "2 :ok :cas [0 1]",
            "3 :invoke :read nil", "3 :ok :read 2",
        ]) == .linearizable)
        #expect(try Self.verdict([
            "0 :invoke :write 0", "0 :ok :write 0",
            "1 :invoke :cas [1 2]", "1 :ok :cas [1 2]", "2 :invoke :cas [0 1]", "2 :ok :cas [0 1]",
        ]) == .notLinearizable)
    }

    @Test func stepBudgetGivesUnknown() throws {
        let operations = try Self.register([
            "0 :invoke :write 1", "1 :invoke :write 2", "0 :ok :write 1", "1 :ok :write 2",
            "2 :invoke :read nil", "2 :ok :read 3",
        ])
        let tight = LinearizabilityChecker(model: RegisterModel(), stepsMax: 2).check(operations)
        #expect(tight.verdict == .unknown)
        #expect(tight.steps == 2)
        #expect(LinearizabilityChecker(model: RegisterModel()).check(operations).verdict == .notLinearizable)
    }

    @Test func keysAreCheckedApart() {
        typealias Op = HistoryOperation<KeyValueInput, KeyValueOutput>
        let good: [Op] = [
            Op(clientID: 0, input: .append(key: "a", value: "x"), output: .ok, callTime: 0, returnTime: 3),
            Op(clientID: 1, input: .put(key: "b", value: "y"), output: .ok, callTime: 1, returnTime: 2),
            Op(clientID: 1, input: .get(key: "b"), output: .value("y"), callTime: 4, returnTime: 5),
            Op(clientID: 0, input: .append(key: "a", value: "z"), output: .ok, callTime: 6, returnTime: 7),
            Op(clientID: 2, input: .get(key: "a"), output: .value("xz"), callTime: 8, returnTime: 9),
        ]
        let goodResult = LinearizabilityChecker(model: KeyValueModel()).check(good)
        #expect(goodResult.verdict == .linearizable)
        #expect(goodResult.partitionCount == 2)
        var bad = good
        bad.append(Op(clientID: 2, input: .get(key: "b"), output: .value(""), callTime: 10, returnTime: 11))
        let badResult = LinearizabilityChecker(model: KeyValueModel()).check(bad)
        #expect(badResult.verdict == .notLinearizable)
        #expect(badResult.failingPartition == 1)
    }

    @Test func unknownAppendEitherWay() {
        typealias Op = HistoryOperation<KeyValueInput, KeyValueOutput>
        let unknown = Op(clientID: 0, input: .append(key: "k", value: "x"), output: .unknown, callTime: 0, returnTime: nil)
        func read(_ value: String, at time: Int) -> Op {
            Op(clientID: 1, input: .get(key: "k"), output: .value(value), callTime: time, returnTime: time + 1)
        }
        let checker = LinearizabilityChecker(model: KeyValueModel())
        #expect(checker.check([unknown, read("", at: 1), read("", at: 3)]).verdict == .linearizable)
        #expect(checker.check([unknown, read("", at: 1), read("x", at: 3)]).verdict == .linearizable)
        #expect(checker.check([unknown, read("x", at: 1), read("", at: 3)]).verdict == .notLinearizable)
        #expect(checker.check([unknown, read("xx", at: 1)]).verdict == .notLinearizable)
    }
}
