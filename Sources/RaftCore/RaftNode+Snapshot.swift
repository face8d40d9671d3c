/// InstallSnapshot in chunks (Raft §7).
extension RaftNode {
    /// Sends `id` the next chunk of the latest snapshot, starting a transfer if none is
    /// under way (or if the leader has since taken a newer snapshot).
    mutating func sendSnapshot(to id: NodeID) {
        guard var pr = progress[id] else { return }
        guard let snapshot = latestSnapshot else {
            preconditionFailure("\(config.id) must send a snapshot to \(id) but holds none (log starts at \(log.firstIndex))")
        }
        if pr.state != .snapshot || pr.transfer?.metadata != snapshot.metadata {
            pr.becomeSnapshot(snapshot.metadata)
        }
        let offset = pr.transfer!.offsetBytes
        let end = min(snapshot.data.count, offset + config.snapshotChunkBytesMax)
        pr.transfer!.heartbeatsWithoutAnswer = 0
        progress[id] = pr
        let chunk = SnapshotChunk(
            metadata: snapshot.metadata, offsetBytes: offset, data: Array(snapshot.data[offset..<end]),
            isLast: end == snapshot.data.count)
        send(Message(kind: .installSnapshot, from: config.id, to: id, term: term, snapshotChunk: chunk))
    }

    /// Leader side: the follower wants the next chunk, or has installed the snapshot.
    mutating func handleSnapshotResponse(_ m: Message) {
        guard var pr = progress[m.from], let chunk = m.snapshotChunk else { return }
        pr.recentActive = true
        guard pr.state == .snapshot, let transfer = pr.transfer, transfer.metadata == chunk.metadata else {
            progress[m.from] = pr
            return
        }
        if chunk.isLast {
            // The follower's log now matches through `m.index` (its commit index).
            _ = pr.maybeUpdate(m.index)
            pr.becomeProbe()
            progress[m.from] = pr
            sendAppend(to: m.from, sendIfEmpty: true)
            return
        }
        pr.transfer!.offsetBytes = chunk.offsetBytes
        progress[m.from] = pr
        sendSnapshot(to: m.from)
    }

    /// Follower side: assembles chunks in order, then installs the snapshot.
    mutating func handleSnapshotChunk(_ m: Message) {
        guard let chunk = m.snapshotChunk else { return }
        let meta = chunk.metadata
        if meta.index <= log.committed {
            // Already have all of it; tell the leader where this log stands.
            incomingSnapshot = nil
            replySnapshot(to: m.from, metadata: meta, offset: 0, installed: true)
            return
        }
        if incomingSnapshot?.metadata != meta {
            guard chunk.offsetBytes == 0 else {
                replySnapshot(to: m.from, metadata: meta, offset: 0, installed: false)
                return
            }
            incomingSnapshot = Snapshot(metadata: meta, data: [])
        }
        let have = incomingSnapshot!.data.count
        guard chunk.offsetBytes == have else {
            // A duplicate or a gap: ask again from where this member stands.
            replySnapshot(to: m.from, metadata: meta, offset: have, installed: false)
            return
        }
        incomingSnapshot!.data.append(contentsOf: chunk.data)
        guard chunk.isLast else {
            replySnapshot(to: m.from, metadata: meta, offset: incomingSnapshot!.data.count, installed: false)
            return
        }
        let snapshot = incomingSnapshot!
        incomingSnapshot = nil
        install(snapshot)
        replySnapshot(to: m.from, metadata: meta, offset: snapshot.data.count, installed: true)
    }

    private mutating func replySnapshot(to id: NodeID, metadata: SnapshotMetadata, offset: Int, installed: Bool) {
        send(Message(
            kind: .installSnapshotResponse, from: config.id, to: id, term: term, index: log.committed,
            snapshotChunk: SnapshotChunk(metadata: metadata, offsetBytes: offset, data: [], isLast: installed)))
    }

    /// Replaces the log and membership by the snapshot's (keeping a matching suffix).
    mutating func install(_ snapshot: Snapshot) {
        log.restore(snapshot)
        baseMembership = snapshot.metadata.membership
        membership = baseMembership
        membershipHistory = []
        latestSnapshot = snapshot
    }
}
