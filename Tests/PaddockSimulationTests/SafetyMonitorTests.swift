import RaftCore
import Testing
@testable import PaddockSimulation

/// Each checker fires on a hand-made view that breaks its property, and stays quiet otherwise.
@Suite struct SafetyMonitorTests {
    private func entry(_ index: UInt64, _ term: UInt64, _ data: UInt8 = 0) -> LogEntry {
        LogEntry(term: Term(term), index: LogIndex(index), data: [data])
    }

    private func view(_ id: UInt64, term: UInt64, leader: Bool = false, _ entries: [LogEntry], commit: UInt64 = 0) -> SafetyMonitor.NodeView {
        SafetyMonitor.NodeView(
            id: NodeID(id), term: Term(term), isLeader: leader, firstIndex: .zero, previousTerm: .zero,
            entries: entries, commit: LogIndex(commit))
    }

    @Test func twoLeadersInATerm() {
        var monitor = SafetyMonitor()
        monitor.observe(view(1, term: 2, leader: true, []), tick: 1)
        monitor.observe(view(1, term: 2, leader: true, []), tick: 2)
        #expect(monitor.violations.isEmpty)
        monitor.observe(view(2, term: 2, leader: true, []), tick: 3)
        #expect(monitor.violations.map(\.property) == [.electionSafety])
    }

    @Test func differentEntriesAtOneIndexAndTerm() {
        var monitor = SafetyMonitor()
        monitor.observe(view(1, term: 1, [entry(1, 1, 5)]), tick: 1)
        monitor.observe(view(2, term: 1, [entry(1, 1, 6)]), tick: 2)
        #expect(monitor.violations.map(\.property) == [.logMatching])
    }

    @Test func differentPredecessorTermsBreakLogMatching() {
        var monitor = SafetyMonitor()
        monitor.observe(view(1, term: 3, [entry(1, 1), entry(2, 3)]), tick: 1)
        monitor.observe(view(2, term: 3, [entry(1, 2), entry(2, 3)]), tick: 2)
        #expect(monitor.violations.first?.property == .logMatching)
    }

    @Test func committedEntryChanges() {
        var monitor = SafetyMonitor()
        monitor.observe(view(1, term: 1, [entry(1, 1)], commit: 1), tick: 1)
        monitor.observe(view(1, term: 2, [entry(1, 2)], commit: 1), tick: 2)
        #expect(monitor.violations.contains { $0.property == .committedEntryChanged })
    }

    @Test func newLeaderLacksACommittedEntry() {
        var monitor = SafetyMonitor()
        monitor.observe(view(1, term: 1, [entry(1, 1), entry(2, 1)], commit: 2), tick: 1)
        monitor.observe(view(2, term: 2, leader: true, [entry(1, 1)]), tick: 2)
        #expect(monitor.violations.map(\.property) == [.leaderCompleteness])
    }

    @Test func appliedSequencesMustAgreeAndHaveNoGaps() {
        var monitor = SafetyMonitor()
        monitor.observeApplied(NodeID(1), entry: entry(1, 1, 1), tick: 1)
        monitor.observeApplied(NodeID(2), entry: entry(1, 1, 1), tick: 1)
        #expect(monitor.violations.isEmpty)
        monitor.observeApplied(NodeID(2), entry: entry(2, 1, 2), tick: 2)
        monitor.observeApplied(NodeID(1), entry: entry(2, 2, 3), tick: 3)
        #expect(monitor.violations.map(\.property) == [.appliedPrefix])
        monitor.observeApplied(NodeID(3), entry: entry(2, 1, 2), tick: 4)
        #expect(monitor.violations.count == 2, "node 3 skipped index 1")
    }

    @Test func healthyViewsRaiseNothing() {
        var monitor = SafetyMonitor()
        monitor.observe(view(1, term: 1, leader: true, [entry(1, 1), entry(2, 1)], commit: 2), tick: 1)
        monitor.observe(view(2, term: 1, [entry(1, 1)], commit: 1), tick: 1)
        monitor.observe(view(2, term: 2, leader: true, [entry(1, 1), entry(2, 1), entry(3, 2)], commit: 2), tick: 2)
        #expect(monitor.violations.isEmpty)
        #expect(monitor.committedTerm(at: LogIndex(2)) == Term(1))
    }
}
