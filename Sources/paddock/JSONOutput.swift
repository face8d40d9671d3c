import PaddockAPI
import PaddockClient
import ZNodeTree

/// The JSON documents the client commands print with `-o json`.
///
/// Stats use the API's keys (`JSONWriter.stat`); every document has the `zxid` it was
/// served at.
enum JSONOutput {
    /// Prints `writer`'s bytes as one line.
    static func print(_ writer: JSONWriter) {
        CLIOutput.bytes(writer.bytes + [0x0A])
    }

    /// `{"path","data","encoding","stat","zxid"}`.
    static func node(_ node: NodeData) -> JSONWriter {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("path"); writer.string(node.path)
        writer.dataMembers(node.data, requested: .utf8)
        writer.key("stat"); writer.stat(node.stat)
        writer.key("zxid"); writer.number(node.zxid.rawValue)
        writer.endObject()
        return writer
    }

    /// `{"path","stat","zxid"}`.
    static func written(_ result: WriteResult) -> JSONWriter {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("path"); writer.string(result.path)
        writer.key("stat"); writer.stat(result.stat)
        writer.key("zxid"); writer.number(result.zxid.rawValue)
        writer.endObject()
        return writer
    }

    /// `{"<name>":[strings],"zxid"}`.
    static func strings(_ name: String, _ values: [String], zxid: Zxid?) -> JSONWriter {
        var writer = JSONWriter()
        writer.beginObject()
        writer.stringArray(name, values)
        if let zxid { writer.key("zxid"); writer.number(zxid.rawValue) }
        writer.endObject()
        return writer
    }

    /// One watch event, as the server sends it.
    static func event(_ event: NodeEvent) -> JSONWriter {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("type"); writer.string(event.kind.rawValue)
        writer.key("path"); writer.string(event.path)
        writer.key("zxid"); writer.number(event.zxid.rawValue)
        if let stat = event.stat { writer.key("stat"); writer.stat(stat) }
        if let data = event.data { writer.dataMembers(data, requested: .utf8) }
        writer.endObject()
        return writer
    }

    /// The cluster status with the API's keys.
    static func cluster(_ info: ClusterInfo) -> JSONWriter {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("clusterId"); writer.string(info.clusterID)
        writer.key("self"); writer.string(info.selfName)
        writer.key("leader")
        if let leader = info.leader { writer.string(leader) } else { writer.null() }
        writer.key("term"); writer.number(info.term.rawValue)
        writer.key("commitIndex"); writer.number(info.commitIndex.rawValue)
        writer.key("appliedIndex"); writer.number(info.appliedIndex.rawValue)
        writer.key("members")
        writer.beginArray()
        for member in info.members {
            writer.beginObject()
            writer.key("name"); writer.string(member.name)
            writer.key("role"); writer.string(member.role)
            writer.key("peerAddress")
            if let address = member.peerAddress { writer.string(address) } else { writer.null() }
            writer.key("httpAddress")
            if let address = member.httpAddress { writer.string(address) } else { writer.null() }
            writer.key("matchIndex")
            if let index = member.matchIndex { writer.number(index.rawValue) } else { writer.null() }
            writer.key("lag")
            if let lag = member.lagEntries { writer.number(lag) } else { writer.null() }
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer
    }
}

/// Human forms shared by the commands.
enum HumanOutput {
    /// `version 3, 5 bytes, 2 children, mzxid 17, persistent`.
    static func stat(_ stat: Stat) -> String {
        var parts = [
            "version \(stat.version)", "\(stat.dataLength) bytes", "\(stat.numChildren) children",
            "czxid \(stat.czxid)", "mzxid \(stat.mzxid)", stat.kind.rawValue,
        ]
        if let owner = stat.ephemeralOwner { parts.append("owner \(owner)") }
        if let ttlMs = stat.ttlMs { parts.append("ttl \(ttlMs)ms") }
        return parts.joined(separator: ", ")
    }
}
