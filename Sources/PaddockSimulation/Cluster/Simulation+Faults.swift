import RaftCore

/// The safety phase's faults: partitions, crashes, restarts, membership changes and
/// leadership transfers, each drawn from the seed.
extension Simulation {
    /// With some chance, injects one fault this tick.
    mutating func maybeInjectFault() {
        let roll = Int.random(in: 0..<1000, using: &random)
        let ids = members.map(\.id)
        switch roll {
        case 0..<8:
            // A symmetric partition into two random sides.
            network.heal()
            let side = ids.filter { _ in Bool.random(using: &random) }
            network.partition(side, from: ids.filter { !side.contains($0) })
        case 8..<12:
            // One-way: a random link stops carrying messages in one direction.
            let from = ids[Int.random(in: 0..<ids.count, using: &random)]
            let to = ids[Int.random(in: 0..<ids.count, using: &random)]
            if from != to { network.cut(from: from, to: to) }
        case 12..<18:
            if let leader = members.first(where: \.isLeader)?.id {
                network.heal()
                network.isolate(leader, from: ids)
            }
        case 18..<32:
            network.heal()
        case 32..<38:
            let up = members.indices.filter { members[$0].isUp }
            if up.count > 1 { crash(up[Int.random(in: 0..<up.count, using: &random)]) }
        case 38..<40:
            if let leader = members.indices.first(where: { members[$0].isLeader }) { crash(leader) }
        case 40..<52:
            let down = members.indices.filter { !members[$0].isUp }
            if !down.isEmpty { start(down[Int.random(in: 0..<down.count, using: &random)]) }
        case 52..<58:
            proposeMembershipChange()
        case 58..<62:
            transferLeadership()
        default:
            break
        }
    }

    /// Asks the leader for the next membership change: add a spare as a learner, promote
    /// a learner, or remove a voter while more than `voterCount` remain.
    private mutating func proposeMembershipChange() {
        guard let index = members.indices.first(where: { members[$0].isLeader }) else { return }
        let membership = members[index].raft!.status.membership
        let spares = members.map(\.id).filter { !membership.contains($0) }
        let change: ConfChange
        if let spare = spares.first {
            change = .addLearner(spare)
        } else if let learner = membership.learners.first {
            change = .promoteLearner(learner)
        } else if membership.voters.count > options.voterCount {
            change = .remove(membership.voters[Int.random(in: 0..<membership.voters.count, using: &random)])
        } else {
            return
        }
        if let position = try? members[index].raft!.proposeConfChange(change) {
            pendingConfChange = (members[index].id, position.index)
        }
        afterEvent(index)
    }

    /// Asks the leader to hand leadership to a random other voter.
    private mutating func transferLeadership() {
        guard let index = members.indices.first(where: { members[$0].isLeader }) else { return }
        let voters = members[index].raft!.status.membership.voters.filter { $0 != members[index].id }
        guard !voters.isEmpty else { return }
        try? members[index].raft!.transferLeadership(to: voters[Int.random(in: 0..<voters.count, using: &random)])
        afterEvent(index)
    }
}
