import Foundation
import Synchronization
import ZNodeTree

@testable import PaddockServer

/// A tree that applies commands one entry at a time and publishes each to a hub, as a
/// member's apply thread does.
struct HubFeeder {
    let hub: WatchHub
    private(set) var tree = ZNodeTree()

    init(limits: Limits = .default) {
        hub = WatchHub(limits: limits)
        hub.reset(tree: tree)
    }

    /// Applies `commands` as one batch (one entry each) and publishes it; returns the events.
    @discardableResult
    mutating func apply(_ commands: Command...) -> [WatchEvent] {
        let (events, pending) = recordBatch(commands)
        hub.deliver(pending)
        return events
    }

    /// Applies `commands` as one batch and records it in the hub without delivering it:
    /// what a member does before answering the batch's writes.
    mutating func record(_ commands: Command...) -> PendingDelivery {
        recordBatch(commands).pending
    }

    private mutating func recordBatch(_ commands: [Command]) -> (events: [WatchEvent], pending: PendingDelivery) {
        var events: [WatchEvent] = []
        for command in commands {
            let entry = Entry(zxid: Zxid(tree.lastApplied.rawValue + 1), timeMs: 1_000, command: command)
            events += tree.apply(entry).events
        }
        return (events, hub.record(events: events, appliedZxid: tree.lastApplied, tree: tree))
    }
}

func create(_ pathString: String, _ data: String = "") -> Command {
    .create(CreateOp(path: path(pathString), data: Array(data.utf8), kind: .persistent, session: nil, ttlMs: nil, createParents: false))
}

func set(_ pathString: String, _ data: String) -> Command {
    .setData(SetDataOp(path: path(pathString), data: Array(data.utf8), expectedVersion: nil))
}

func delete(_ pathString: String) -> Command {
    .delete(DeleteOp(path: path(pathString), expectedVersion: nil, recursive: false))
}

/// A sink that records what the hub gives it, for hub tests.
final class RecordingSink: WatchSink, Sendable {
    struct Record: Sendable {
        var begun = false
        var snapshotZxid: Zxid?
        var startZxid: Zxid?
        var events: [WatchEvent] = []
        var ended: WatchEndReason?
    }

    let record = Mutex(Record())
    let stopAfterFirst: Bool

    init(stopAfterFirst: Bool = false) {
        self.stopAfterFirst = stopAfterFirst
    }

    var events: [WatchEvent] { record.withLock { $0.events } }
    var snapshotZxid: Zxid? { record.withLock { $0.snapshotZxid } }
    var ended: WatchEndReason? { record.withLock { $0.ended } }
    var summary: [String] { events.map { "\($0.zxid) \($0.type.rawValue) \($0.path)" } }

    func begin(initial: WatchSnapshot?, replay: [WatchEvent], startZxid: Zxid) -> Bool {
        record.withLock { record in
            record.begun = true
            record.snapshotZxid = initial?.zxid
            record.startZxid = startZxid
            record.events += replay
        }
        return !(stopAfterFirst && !replay.isEmpty)
    }

    func offer(_ events: [PublishedEvent], appliedZxid: Zxid, wakes: inout LoopWakes) -> WatchOffer {
        record.withLock { $0.events += events.map(\.event) }
        return stopAfterFirst ? .remove : .keep
    }

    func end(_ reason: WatchEndReason, appliedZxid: Zxid) {
        record.withLock { $0.ended = reason }
    }
}
