import ZNodeTree

/// The watchers of one member, indexed so that one change costs O(path depth + matching
/// watchers), not O(all watchers).
///
/// Plain watchers are keyed by their path: an event at X (including `children_changed`,
/// whose path is the parent) finds them with one lookup. Recursive watchers are keyed by
/// their root: an event at X looks up X and each ancestor of X up to `/`.
///
/// Invariant: each watcher is in exactly one slot, so one event reaches it at most once.
struct WatcherIndex {
    typealias Watcher = any WatchSink

    private var plain: [ZNodePath: [ObjectIdentifier: Watcher]] = [:]
    private var recursive: [ZNodePath: [ObjectIdentifier: Watcher]] = [:]
    /// Where each watcher is, so removal needs no search.
    private var slots: [ObjectIdentifier: WatchFilter] = [:]

    /// The number of watchers.
    var count: Int { slots.count }

    /// Adds `watcher` with `filter`. Precondition: it is not in the index yet.
    mutating func insert(_ watcher: Watcher, filter: WatchFilter) {
        let id = ObjectIdentifier(watcher)
        precondition(slots.updateValue(filter, forKey: id) == nil, "watcher of \(filter.path) inserted twice")
        if filter.recursive {
            recursive[filter.path, default: [:]][id] = watcher
        } else {
            plain[filter.path, default: [:]][id] = watcher
        }
    }

    /// Removes `watcher`; returns false when it was not in the index.
    @discardableResult
    mutating func remove(_ watcher: Watcher) -> Bool {
        let id = ObjectIdentifier(watcher)
        guard let filter = slots.removeValue(forKey: id) else { return false }
        if filter.recursive {
            Self.remove(id, at: filter.path, from: &recursive)
        } else {
            Self.remove(id, at: filter.path, from: &plain)
        }
        return true
    }

    private static func remove(_ id: ObjectIdentifier, at path: ZNodePath, from table: inout [ZNodePath: [ObjectIdentifier: Watcher]]) {
        guard var watchers = table[path] else { preconditionFailure("watcher slot \(path) missing") }
        precondition(watchers.removeValue(forKey: id) != nil, "watcher missing from its slot \(path)")
        table[path] = watchers.isEmpty ? nil : watchers
    }

    /// Calls `body` for every watcher `event` concerns: plain watchers of its path, and,
    /// unless it is `children_changed`, recursive watchers of its path and its ancestors.
    func forEachWatcher(of event: WatchEvent, _ body: (Watcher, WatchFilter) -> Void) {
        if let watchers = plain[event.path] {
            for (id, watcher) in watchers { body(watcher, slots[id]!) }
        }
        guard !recursive.isEmpty, event.type != .childrenChanged else { return }
        var current: ZNodePath? = event.path
        while let path = current {
            if let watchers = recursive[path] {
                for (id, watcher) in watchers { body(watcher, slots[id]!) }
            }
            current = path.parent
        }
    }

    /// Every watcher, in no particular order (their delivery order does not matter), and
    /// empties the index.
    mutating func removeAll() -> [Watcher] {
        var all: [Watcher] = []
        all.reserveCapacity(slots.count)
        for watchers in plain.values { all.append(contentsOf: watchers.values) }
        for watchers in recursive.values { all.append(contentsOf: watchers.values) }
        plain = [:]
        recursive = [:]
        slots = [:]
        return all
    }
}
