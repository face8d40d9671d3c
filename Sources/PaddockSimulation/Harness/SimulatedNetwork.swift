import RaftCore

/// The fault settings of a simulated network; all zero means a perfect network with `delayTicksMin` delay.
struct NetworkFaults: Sendable, Equatable {
    /// Chance in 1,000 that a message is lost.
    var dropPerMille = 0
    /// Chance in 1,000 that a message is delivered twice.
    var duplicatePerMille = 0
    /// The shortest delay, in ticks.
    var delayTicksMin = 1
    /// The longest delay, in ticks; at least `delayTicksMin`.
    var delayTicksMax = 1

    /// A network that delivers everything after exactly one tick.
    static let none = NetworkFaults()
}

/// A simulated network between cluster members: every message is delayed, and may be
/// dropped, duplicated or reordered, and partitions cut links in one or both directions.
///
/// All randomness comes from the generator the caller passes in, so a run is fixed by its
/// seed. Messages are delivered in (delivery tick, send order) order; reordering happens
/// because delays differ.
struct SimulatedNetwork<Payload: Sendable>: Sendable {
    /// A message on the wire.
    struct Envelope: Sendable {
        var from: NodeID
        var to: NodeID
        var payload: Payload
        var deliveryTick: Int
        /// Send order, to break ties deterministically.
        var sequence: Int
    }

    /// Current fault settings.
    var faults = NetworkFaults.none
    /// Directed links that are cut: (from, to).
    private var cutLinks: Set<Link> = []
    /// Messages in flight, unordered; `deliverDue` sorts what it takes.
    private var inFlight: [Envelope] = []
    private var nextSequence = 0
    /// How many messages were dropped by faults or partitions.
    private(set) var droppedCount = 0

    private struct Link: Hashable, Sendable { var from: NodeID; var to: NodeID }

    /// Whether any link is cut.
    var isPartitioned: Bool { !cutLinks.isEmpty }

    /// How many messages are in flight.
    var inFlightCount: Int { inFlight.count }

    /// Queues `payload` from `from` to `to` at tick `now`, applying the faults.
    mutating func send(
        from: NodeID, to: NodeID, payload: Payload, now: Int, random: inout some RandomNumberGenerator
    ) {
        if cutLinks.contains(Link(from: from, to: to)) || roll(faults.dropPerMille, &random) {
            droppedCount += 1
            return
        }
        let copies = roll(faults.duplicatePerMille, &random) ? 2 : 1
        for _ in 0..<copies {
            let delay = Int.random(in: faults.delayTicksMin...max(faults.delayTicksMin, faults.delayTicksMax), using: &random)
            inFlight.append(Envelope(from: from, to: to, payload: payload, deliveryTick: now + delay, sequence: nextSequence))
            nextSequence += 1
        }
    }

    /// Removes and returns the messages due at or before `now`, in delivery order.
    ///
    /// A message whose link was cut while it was in flight is lost.
    mutating func deliverDue(now: Int) -> [Envelope] {
        var due: [Envelope] = []
        var kept: [Envelope] = []
        kept.reserveCapacity(inFlight.count)
        for envelope in inFlight {
            if envelope.deliveryTick <= now { due.append(envelope) } else { kept.append(envelope) }
        }
        inFlight = kept
        due.sort { ($0.deliveryTick, $0.sequence) < ($1.deliveryTick, $1.sequence) }
        let delivered = due.filter { !cutLinks.contains(Link(from: $0.from, to: $0.to)) }
        droppedCount += due.count - delivered.count
        return delivered
    }

    /// Drops every message in flight to or from `node` (it crashed).
    mutating func dropAll(involving node: NodeID) {
        let before = inFlight.count
        inFlight.removeAll { $0.from == node || $0.to == node }
        droppedCount += before - inFlight.count
    }

    /// Cuts the link from `from` to `to` (one-way).
    mutating func cut(from: NodeID, to: NodeID) { cutLinks.insert(Link(from: from, to: to)) }

    /// Cuts both directions between every member of `side` and every member of `other`.
    mutating func partition(_ side: [NodeID], from other: [NodeID]) {
        for a in side {
            for b in other where a != b {
                cut(from: a, to: b)
                cut(from: b, to: a)
            }
        }
    }

    /// Cuts `node` off from all of `others`, both ways.
    mutating func isolate(_ node: NodeID, from others: [NodeID]) { partition([node], from: others) }

    /// Restores every link.
    mutating func heal() { cutLinks.removeAll() }

    /// Whether the link from `from` to `to` is up.
    func isConnected(from: NodeID, to: NodeID) -> Bool { !cutLinks.contains(Link(from: from, to: to)) }

    private func roll(_ perMille: Int, _ random: inout some RandomNumberGenerator) -> Bool {
        perMille > 0 && Int.random(in: 0..<1000, using: &random) < perMille
    }
}
