import NIOHTTP1
import PaddockAPI
import ZNodeTree

/// The write path shared by every handler that changes the tree.
enum Proposals {
    /// The longest `Idempotency-Key` accepted, in bytes.
    static let idempotencyKeyBytesMax = 256

    /// The `Idempotency-Key` of `request`, checked: 1 to 256 visible ASCII characters.
    static func idempotencyKey(_ request: APIRequest) throws(RequestRejection) -> String? {
        let values = request.headers["idempotency-key"]
        guard let key = values.first else { return nil }
        guard values.count == 1 else { throw RequestRejection(.badRequest, "Idempotency-Key is given twice") }
        guard !key.isEmpty, key.utf8.count <= idempotencyKeyBytesMax,
            key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else {
            throw RequestRejection(
                .badRequest, "Idempotency-Key must be 1 to \(idempotencyKeyBytesMax) visible ASCII characters")
        }
        return key
    }

    /// Proposes `command` and answers: `success` renders the committed result, a domain
    /// failure becomes its problem, an operating error its 503/410/413.
    ///
    /// `success` returns nil when the result does not belong to the command, which only
    /// happens when an `Idempotency-Key` is reused for a different request: that is
    /// answered with `BadRequest` rather than a misleading success.
    static func propose(
        _ command: Command, _ request: APIRequest, _ context: APIContext,
        success: (Committed) -> APIResponse?
    ) async -> APIResponse {
        let key: String?
        do {
            key = try idempotencyKey(request)
        } catch {
            return error.response
        }
        let committed: Committed
        do {
            committed = try await context.replica.propose(command, idempotencyKey: key)
        } catch {
            return .problem(error)
        }
        if case .failed(let failure) = committed.result {
            return .problem(failure, zxid: committed.zxid)
        }
        if let response = success(committed) { return response }
        return .problem(
            .badRequest, "Idempotency-Key \"\(key ?? "")\" was first used by a different kind of request",
            zxid: committed.zxid)
    }
}
