import Testing
@testable import PaddockSimulation

/// Malformed history files are rejected with the offending line named.
@Suite struct HistoryParserTests {
    static let badRegisterFiles: [(text: String, line: Int, code: HistoryParseError.Code)] = [
        ("INFO  jepsen.util - 0 :invoke :write 1\nINFO  jepsen.util - 0 :ok :write x\n", 2, .malformedLine),
        ("INFO  jepsen.util - 0 :invoke :read nil\n\nINFO  jepsen.util - 0 :ok :read nil\n", 2, .malformedLine),
        ("INFO  jepsen.util - 0 :invoke :read 3\n", 1, .malformedLine),
        ("INFO  jepsen.util - 0 :info :read :timed-out\n", 1, .malformedLine),
        ("INFO  jepsen.util - 0 :invoke :cas [1  2]\n", 1, .malformedLine),
        ("INFO  jepsen.util - 0 :ok :read nil\n", 1, .completionWithoutInvoke),
        ("INFO  jepsen.util - 0 :invoke :read nil\nINFO  jepsen.util - 0 :invoke :read nil\n", 2, .invokeWhileOpen),
        ("INFO  jepsen.util - 0 :invoke :write 1\nINFO  jepsen.util - 0 :ok :write 2\n", 2, .completionMismatch),
        ("INFO  jepsen.util - 0 :invoke :write 1\nINFO  jepsen.util - 0 :fail :cas [1 2]\n", 2, .completionMismatch),
        ("WARN  jepsen.util - 0 :invoke :read nil\n", 1, .malformedLine),
    ]

    @Test(arguments: 0..<10)
    func registerRejects(_ index: Int) {
        let bad = Self.badRegisterFiles[index]
        #expect {
            _ = try JepsenRegisterHistory.parse(bad.text)
        } throws: { error in
            guard let error = error as? HistoryParseError else { return false }
            return error.line == bad.line && error.code == bad.code && error.description.hasPrefix("line \(bad.line): ")
        }
    }

    @Test func registerAcceptsTabsAndSpaces() throws {
        let text = "INFO  jepsen.util - 7\t:invoke\t:cas\t[1 2]\nINFO  jepsen.util - 7   :ok   :cas   [1 2]\n"
        let operations = try JepsenRegisterHistory.parse(text)
        #expect(operations.count == 1)
        #expect(operations[0].input == .compareAndSet(key: "", expected: 1, new: 2))
        #expect(operations[0].output == .ok)
        #expect(operations[0].callTime == 1 && operations[0].returnTime == 2)
        #expect(operations[0].clientID == 7)
    }

    static let badKeyValueFiles: [(text: String, line: Int, code: HistoryParseError.Code)] = [
        ("{:process 1, :type :invoke, :f :get, :key \"1\", :value nil}\n{:process 1, :type :ok, :f :get, :key \"1\", :value nil}\n",
         2, .completionMismatch),
        ("{:process 1, :type :invoke, :f :put, :key \"1\", :value \"a\"}\n{:process 1, :type :ok, :f :put, :key \"2\", :value \"a\"}\n",
         2, .completionMismatch),
        ("{:process 1, :type :invoke, :f :get, :key \"1\", :value nil} \n", 1, .malformedLine),
        ("{:process 1, :type :fail, :f :get, :key \"1\", :value nil}\n", 1, .malformedLine),
        ("{:process 1, :type :ok, :f :get, :key \"1\", :value \"\"}\n", 1, .completionWithoutInvoke),
        ("{:process 1, :type :invoke, :f :put, :key \"1\", :value nil}\n", 1, .malformedLine),
    ]

    @Test(arguments: 0..<6)
    func keyValueRejects(_ index: Int) {
        let bad = Self.badKeyValueFiles[index]
        #expect {
            _ = try PorcupineKeyValueHistory.parse(bad.text)
        } throws: { error in
            guard let error = error as? HistoryParseError else { return false }
            return error.line == bad.line && error.code == bad.code
        }
    }

    @Test func keyValueReadsAllThreeOperations() throws {
        let text = """
            {:process 0, :type :invoke, :f :append, :key "3", :value "x 0 0 y"}
            {:process 1, :type :invoke, :f :get, :key "3", :value nil}
            {:process 0, :type :ok, :f :append, :key "3", :value "x 0 0 y"}
            {:process 1, :type :ok, :f :get, :key "3", :value ""}
            {:process 2, :type :invoke, :f :put, :key "", :value ""}

            """
        let operations = try PorcupineKeyValueHistory.parse(text)
        #expect(operations.count == 3)
        #expect(operations[0].input == .append(key: "3", value: "x 0 0 y"))
        #expect(operations[1].output == .value(""))
        #expect(operations[2].input == .put(key: "", value: "") && operations[2].isOutcomeUnknown)
    }
}
