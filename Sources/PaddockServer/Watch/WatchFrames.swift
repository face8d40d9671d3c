import NIOCore
import PaddockAPI
import ZNodeTree

/// The wire forms of watch events: the JSON object, and the Server-Sent Events frame.
///
/// An event's JSON is `{"path","type","zxid","stat","data"?,"encoding"?}`; `data` and
/// `encoding` follow the rules of `GET /v1/nodes` and appear for `created`, `changed`
/// and `initial` only. JSON never holds a raw newline, so each frame has one `data:` line.
enum WatchFrames {
    /// Writes the JSON object of a change (or of an `initial` node when `type` says so).
    static func write(
        _ writer: inout JSONWriter, type: String, path: ZNodePath, zxid: Zxid, stat: Stat?, data: [UInt8]?,
        encoding: DataEncoding
    ) {
        writer.beginObject()
        writer.key("path"); writer.string(path.string)
        writer.key("type"); writer.string(type)
        writer.key("zxid"); writer.number(zxid.rawValue)
        writer.key("stat")
        if let stat { writer.stat(stat) } else { writer.null() }
        if let data { writer.dataMembers(data, requested: encoding) }
        writer.endObject()
    }

    /// Writes the JSON object of `event`.
    static func write(_ writer: inout JSONWriter, _ event: WatchEvent, encoding: DataEncoding) {
        write(
            &writer, type: event.type.rawValue, path: event.path, zxid: event.zxid, stat: event.stat, data: event.data,
            encoding: encoding)
    }

    /// The `event:` and `data:` lines of `event` (without `id:` and the blank line).
    static func sse(_ event: WatchEvent, encoding: DataEncoding) -> ByteBuffer {
        var writer = JSONWriter(capacity: 320 + (event.data?.count ?? 0) * 4 / 3)
        write(&writer, event, encoding: encoding)
        return frame(type: event.type.rawValue, json: writer.bytes)
    }

    /// A complete SSE event for `event`: its lines, then `id: <zxid>` when `withID`, then
    /// the blank line.
    static func event(_ event: WatchEvent, encoding: DataEncoding, withID: Bool) -> ByteBuffer {
        var buffer = sse(event, encoding: encoding)
        if withID {
            buffer.writeString("id: ")
            buffer.writeString(String(event.zxid.rawValue))
            buffer.writeString("\n")
        }
        buffer.writeString("\n")
        return buffer
    }

    /// The complete `initial` event of a node of a snapshot at `zxid` (it has no `id`).
    static func initial(path: ZNodePath, data: [UInt8], stat: Stat, zxid: Zxid, encoding: DataEncoding) -> ByteBuffer {
        var writer = JSONWriter(capacity: 320 + data.count * 4 / 3)
        write(&writer, type: "initial", path: path, zxid: zxid, stat: stat, data: data, encoding: encoding)
        var buffer = frame(type: "initial", json: writer.bytes)
        buffer.writeString("\n")
        return buffer
    }

    /// The `synced` event ending an `initial` snapshot; it carries `id: zxid`.
    static func synced(zxid: Zxid) -> ByteBuffer {
        var writer = JSONWriter(capacity: 48)
        writer.beginObject()
        writer.key("type"); writer.string("synced")
        writer.key("zxid"); writer.number(zxid.rawValue)
        writer.endObject()
        var buffer = frame(type: "synced", json: writer.bytes)
        var end = idEnd(zxid)
        buffer.writeBuffer(&end)
        return buffer
    }

    /// The final event of a stream that cannot go on: `overflow`, with the zxid to resume
    /// after (null when not even an `initial` snapshot was completed).
    static func overflow(lastZxid: Zxid?, detail: String) -> ByteBuffer {
        var writer = JSONWriter(capacity: 96 + detail.utf8.count)
        writer.beginObject()
        writer.key("type"); writer.string("overflow")
        writer.key("zxid")
        if let lastZxid { writer.number(lastZxid.rawValue) } else { writer.null() }
        writer.key("detail"); writer.string(detail)
        writer.endObject()
        var buffer = frame(type: "overflow", json: writer.bytes)
        buffer.writeString("\n")
        return buffer
    }

    /// `event: <type>\ndata: <json>\n`.
    static func frame(type: String, json: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(json.count + type.utf8.count + 16)
        buffer.writeString("event: ")
        buffer.writeString(type)
        buffer.writeString("\ndata: ")
        buffer.writeBytes(json)
        buffer.writeString("\n")
        return buffer
    }

    /// `id: <zxid>\n\n`: the end of the last event of a zxid.
    static func idEnd(_ zxid: Zxid) -> ByteBuffer {
        ByteBuffer(string: "id: \(zxid.rawValue)\n\n")
    }

    /// A heartbeat comment.
    static let heartbeat = ByteBuffer(string: ": hb\n\n")
}
