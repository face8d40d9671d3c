import NIOCore
import NIOHTTP1
import PaddockAPI
import PaddockStorage
import ZNodeTree

/// `GET /v1/snapshot`: the whole tree as a zlib-compressed snapshot, for backups.
///
/// The body is `ZNodeTree.snapshot()` (the same encoding the member stores) compressed as
/// one zlib stream (RFC 1950), as `application/octet-stream`; `Paddock-Zxid` names the
/// zxid it reflects and `Paddock-Snapshot-Bytes` the uncompressed size (what an inflater
/// needs to size its buffer). It is read from this member's applied state (a serializable read):
/// a backup taken from a lagging member is a consistent, older one. Encoding and
/// compressing run off the event loop, so a large tree does not stall other connections.
enum SnapshotHandler {
    static func snapshot(_ request: APIRequest, _ context: APIContext) async -> APIResponse {
        do throws(RequestRejection) {
            _ = try QueryParameters(request.rawQuery, allowed: [])
        } catch {
            return error.response
        }
        let view: TreeView
        do {
            view = try await context.replica.read(.serializable)
        } catch {
            return .problem(error)
        }
        let compressed: Result<(bytes: [UInt8], count: Int), StorageError> = await withTaskExecutorPreference(
            globalConcurrentExecutor
        ) {
            let bytes = view.tree.snapshot()
            do throws(StorageError) {
                return .success((try Compression.deflate(bytes), bytes.count))
            } catch {
                return .failure(error)
            }
        }
        switch compressed {
        case .success(let (bytes, count)):
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/octet-stream")
            headers.add(name: "Paddock-Snapshot-Bytes", value: String(count))
            headers.add(name: "Content-Disposition", value: "attachment; filename=\"paddock-\(view.zxid).snapshot\"")
            return APIResponse(status: .ok, headers: headers, body: ByteBuffer(bytes: bytes), zxid: view.zxid)
        case .failure(let error):
            return .problem(.internal, "the snapshot could not be compressed: \(error)", zxid: view.zxid)
        }
    }
}
