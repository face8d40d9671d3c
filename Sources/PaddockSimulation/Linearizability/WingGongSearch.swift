/// A depth-first search for a linearization of one part of a history (Wing and Gong's
/// algorithm with Lowe's cache of visited configurations).
///
/// The history is a doubly linked list of call and return events in time order. The
/// search walks the list from its head: at a call it tries to linearize that operation
/// now (the model must accept it and the resulting (linearized set, state) must be new);
/// on success both events leave the list and the walk restarts from the head. Reaching a
/// return means its operation should already have taken effect, so the search undoes the
/// last choice and tries the next call after it. An empty stack at a return means no
/// order exists.
///
/// Operations with an unknown outcome have their return at the very end, so they never
/// force a backtrack; the search succeeds once every operation with a known outcome is
/// linearized (the rest are taken never to have happened, which the model must allow).
struct WingGongSearch<Model: SequentialModel> {
    private typealias Operation = HistoryOperation<Model.Input, Model.Output>

    private let model: Model
    private let operations: [Operation]
    /// Number of operations; event nodes are: 0 head, 1...n calls, n+1...2n returns, 2n+1 tail.
    private let count: Int
    private var next: [Int]
    private var previous: [Int]

    /// Interned model states; state number 0 is the initial state.
    private var states: [Model.State]
    private var stateNumbers: [Model.State: Int32]
    /// Cached `step` results by `stateNumber * count + operation`: the next state number,
    /// or -1 when the step is illegal.
    private var stepCache: [Int: Int32] = [:]
    /// Whether each operation is read-only for the model.
    private let readOnly: [Bool]
    /// Random 64-bit values per operation; a set's hash is the XOR of its members' values.
    private let operationHashes: [UInt64]

    /// Prepares a search over `operations` (one independent part of a history).
    init(model: Model, operations: [HistoryOperation<Model.Input, Model.Output>]) {
        self.model = model
        self.operations = operations
        self.count = operations.count
        self.states = [model.initialState]
        self.stateNumbers = [model.initialState: 0]
        self.readOnly = operations.map { model.isReadOnly(input: $0.input, output: $0.output) }

        // Events in time order. Unknown outcomes return "at infinity". At equal times a
        // call sorts before a return, so touching operations count as concurrent.
        var events: [(time: Int, isReturn: Bool, node: Int)] = []
        events.reserveCapacity(2 * operations.count)
        for (index, operation) in operations.enumerated() {
            events.append((time: operation.callTime, isReturn: false, node: 1 + index))
            events.append((time: operation.returnTime ?? Int.max, isReturn: true, node: 1 + operations.count + index))
        }
        events.sort { a, b in
            if a.time != b.time { return a.time < b.time }
            if a.isReturn != b.isReturn { return !a.isReturn }
            return a.node < b.node
        }
        let tail = 2 * operations.count + 1
        var next = [Int](repeating: 0, count: tail + 1)
        var previous = [Int](repeating: 0, count: tail + 1)
        var last = 0
        for event in events {
            next[last] = event.node
            previous[event.node] = last
            last = event.node
        }
        next[last] = tail
        previous[tail] = last
        next[tail] = tail
        self.next = next
        self.previous = previous

        var generator = SimulationRandom(seed: 0x5EED_0F_11AE_A812)
        self.operationHashes = (0..<operations.count).map { _ in generator.next() }
    }

    /// Search progress, kept between calls to `run` so a search can resume.
    private var started = false
    private var knownCount = 0
    private var visited = VisitedConfigurations(wordCount: 1)
    private var bits: [UInt64] = []
    private var setHash: UInt64 = 0
    private var state: Int32 = 0
    private var linearizedKnown = 0
    /// Linearized operations, last on top, with the state before each and whether the
    /// choice was forced (see `run`).
    private var stack: [(operation: Int, state: Int32, forced: Bool)] = []
    /// The next event to visit.
    private var node = 0
    /// The answer once known.
    private(set) var verdict: LinearizabilityVerdict = .unknown

    /// Runs (or resumes) the search, spending at most `budget` steps; `budget` is decreased
    /// by the steps used. Answers `unknown` when the budget ran out first; calling again
    /// continues where it stopped.
    ///
    /// One refinement over the plain search: a read-only operation (one that changes no
    /// state it is legal in, see `SequentialModel.isReadOnly`) that is legal now can always
    /// be linearized now, because moving it earlier in any solution breaks neither real
    /// time (everything that had to precede it already has) nor legality (no state changes
    /// anywhere along the way). Such a choice is marked forced, and
    /// when the search below it fails, the configuration before it fails too, so the
    /// search backtracks past it instead of trying alternatives.
    mutating func run(budget: inout Int) -> LinearizabilityVerdict {
        if verdict != .unknown { return verdict }
        if !started { start() }
        if verdict != .unknown { return verdict }
        let tail = 2 * count + 1
        while true {
            if budget <= 0 { return .unknown }
            budget -= 1
            if node <= count {
                precondition(node != 0 && node != tail, "search walked off the event list at node \(node)")
                let operation = node - 1
                let newState = stepped(state, operation)
                if newState >= 0 {
                    let forced = readOnly[operation]
                    let word = operation >> 6
                    let bit = UInt64(1) << UInt64(operation & 63)
                    bits[word] |= bit
                    let newHash = setHash ^ operationHashes[operation]
                    if visited.insert(bits: bits, state: newState, hash: newHash ^ mix(UInt64(newState))) {
                        stack.append((operation, state, forced))
                        state = newState
                        setHash = newHash
                        lift(operation)
                        if operations[operation].returnTime != nil {
                            linearizedKnown += 1
                            if linearizedKnown == knownCount {
                                verdict = .linearizable
                                return verdict
                            }
                        }
                        node = next[0]
                        continue
                    }
                    bits[word] &= ~bit
                    if forced {
                        // Explored before and failed; so does the current configuration.
                        if !backtrack() { return verdict }
                        continue
                    }
                }
                node = next[node]
            } else {
                // A return: its operation should have been linearized already.
                precondition(node != tail, "search reached the end with operations left")
                precondition(operations[node - count - 1].returnTime != nil, "unknown outcome forced a backtrack")
                if !backtrack() { return verdict }
            }
        }
    }

    /// Sets up the search state on the first call to `run`.
    private mutating func start() {
        started = true
        knownCount = operations.reduce(0) { $0 + ($1.returnTime == nil ? 0 : 1) }
        if knownCount == 0 {
            verdict = .linearizable
            return
        }
        let wordCount = (count + 63) / 64
        visited = VisitedConfigurations(wordCount: wordCount)
        bits = [UInt64](repeating: 0, count: wordCount)
        stack.reserveCapacity(count)
        node = next[0]
    }

    /// Undoes the latest unforced choice (and every forced one above it) and moves to the
    /// next candidate after it. Returns false, with `verdict` set, when nothing is left.
    private mutating func backtrack() -> Bool {
        while let top = stack.popLast() {
            let operation = top.operation
            state = top.state
            bits[operation >> 6] &= ~(UInt64(1) << UInt64(operation & 63))
            setHash ^= operationHashes[operation]
            unlift(operation)
            if operations[operation].returnTime != nil { linearizedKnown -= 1 }
            if !top.forced {
                node = next[1 + operation]
                return true
            }
        }
        verdict = .notLinearizable
        return false
    }

    /// The state number after `operation` from state number `state`, or -1 if illegal.
    private mutating func stepped(_ state: Int32, _ operation: Int) -> Int32 {
        let key = Int(state) * count + operation
        if let cached = stepCache[key] { return cached }
        let op = operations[operation]
        let (ok, newState) = model.step(states[Int(state)], input: op.input, output: op.output)
        var result: Int32 = -1
        if ok {
            if let number = stateNumbers[newState] {
                result = number
            } else {
                result = Int32(states.count)
                states.append(newState)
                stateNumbers[newState] = result
            }
        }
        stepCache[key] = result
        return result
    }

    /// Takes an operation's call and return events out of the list.
    private mutating func lift(_ operation: Int) {
        let call = 1 + operation
        let ret = 1 + count + operation
        next[previous[call]] = next[call]
        previous[next[call]] = previous[call]
        next[previous[ret]] = next[ret]
        previous[next[ret]] = previous[ret]
    }

    /// Puts back the events `lift` took out; calls must undo lifts in reverse order.
    private mutating func unlift(_ operation: Int) {
        let call = 1 + operation
        let ret = 1 + count + operation
        next[previous[ret]] = ret
        previous[next[ret]] = ret
        next[previous[call]] = call
        previous[next[call]] = call
    }

    /// Spreads a small number over 64 bits so state numbers hash apart.
    private func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
