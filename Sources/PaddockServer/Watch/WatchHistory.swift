import ZNodeTree

/// The member's recent watch events, bounded in count and bytes, oldest first.
///
/// Why a history: a client that reconnects with `Last-Event-ID` (to this member or to
/// another) must get exactly the events after that zxid. Events are dropped a whole
/// entry (zxid) at a time, so the history always holds every event of each zxid in
/// `(floor, applied]`: a `since` at or above `floor` can be served without a gap.
///
/// Invariants: events are in zxid order (and in apply order within one zxid); every event
/// has `zxid > floor`; `bytes` is the sum of `WatchHistory.cost` of the events held.
struct WatchHistory: Sendable {
    /// Storage; the live events are `storage[head...]`.
    private var storage: [WatchEvent] = []
    private var head = 0
    /// The total cost of the held events.
    private(set) var bytes = 0
    /// The newest zxid whose events may be missing: a `since` below it is compacted.
    private(set) var floor: Zxid
    let eventsMax: Int
    let bytesMax: Int

    /// An empty history that serves every `since >= floor`.
    init(floor: Zxid, eventsMax: Int, bytesMax: Int) {
        precondition(eventsMax > 0 && bytesMax > 0, "history bounds \(eventsMax) events, \(bytesMax) bytes")
        self.floor = floor
        self.eventsMax = eventsMax
        self.bytesMax = bytesMax
    }

    /// The number of events held.
    var count: Int { storage.count - head }

    /// The bytes an event is counted as: its path and data plus a fixed 128 for the stat
    /// and the bookkeeping.
    static func cost(_ event: WatchEvent) -> Int {
        event.path.string.utf8.count + (event.data?.count ?? 0) + 128
    }

    /// Appends `events` (one applied batch, in order) and drops the oldest entries
    /// while the bounds are passed. An entry larger than the bounds on its own is dropped
    /// too: the history then holds nothing and its floor is that entry's zxid.
    mutating func append(_ events: [WatchEvent]) {
        guard !events.isEmpty else { return }
        if let last = storage.last, let first = events.first {
            precondition(first.zxid >= last.zxid, "history appends \(first.zxid) after \(last.zxid)")
        }
        for event in events {
            precondition(event.zxid > floor, "event \(event.zxid) at or below the floor \(floor)")
            bytes += Self.cost(event)
        }
        storage.append(contentsOf: events)
        while count > 0 && (count > eventsMax || bytes > bytesMax) {
            dropOldestEntry()
        }
        // Reclaims the dropped prefix once it is the larger part, so appends stay O(1)
        // amortized and memory is at most twice the live events.
        if head > 1_024 && head * 2 > storage.count {
            storage.removeFirst(head)
            head = 0
        }
    }

    /// Forgets every event of the oldest zxid held and raises the floor to it.
    private mutating func dropOldestEntry() {
        let zxid = storage[head].zxid
        while head < storage.count && storage[head].zxid == zxid {
            bytes -= Self.cost(storage[head])
            head += 1
        }
        floor = zxid
    }

    /// Drops everything and serves `since >= floor` from now on (a reset to a new baseline).
    mutating func reset(floor: Zxid) {
        storage = []
        head = 0
        bytes = 0
        self.floor = floor
    }

    /// The events with `zxid > since` that `filter` matches, in order, at most
    /// `limit` of them (cut at the end of a zxid, so an entry is never split).
    ///
    /// Precondition: `since >= floor` (the caller answers `Compacted` otherwise).
    func events(after since: Zxid, matching filter: WatchFilter, limit: Int = .max) -> [WatchEvent] {
        precondition(since >= floor, "since \(since) below the floor \(floor)")
        var low = head
        var high = storage.count
        while low < high {
            let middle = (low + high) / 2
            if storage[middle].zxid <= since { low = middle + 1 } else { high = middle }
        }
        var found: [WatchEvent] = []
        var index = low
        while index < storage.count {
            let event = storage[index]
            if found.count >= limit, let last = found.last, event.zxid != last.zxid { break }
            if filter.matches(event) {
                found.append(event)
                if filter.once { break }
            }
            index += 1
        }
        return found
    }
}
