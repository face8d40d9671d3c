import PaddockAPI
import ZNodeTree

/// Typed access to the members of a request object (a JSON object or a form body),
/// refusing unknown members and wrong types with a `BadRequest` that names the field.
///
/// Unknown members are refused rather than ignored, so a misspelt `"sesion"` cannot
/// silently create a persistent node instead of an ephemeral one. Form values are all
/// text; the reader converts them where JSON would carry a number or a boolean.
struct FieldReader {
    private let members: [(key: String, value: JSONValue)]
    private let isForm: Bool
    private let opIndex: Int?

    /// A reader over `members` after checking every key is in `allowed`.
    ///
    /// - Throws: `RequestRejection` naming the first unknown member.
    init(_ members: [(key: String, value: JSONValue)], allowed: Set<String>, isForm: Bool = false, opIndex: Int? = nil)
        throws(RequestRejection)
    {
        for member in members where !allowed.contains(member.key) {
            throw RequestRejection(
                .badRequest,
                "unknown field \"\(member.key)\" (accepted: \(allowed.sorted().joined(separator: ", ")))",
                opIndex: opIndex)
        }
        self.members = members
        self.isForm = isForm
        self.opIndex = opIndex
    }

    /// A reader over a JSON value that must be an object.
    init(object value: JSONValue, allowed: Set<String>, opIndex: Int? = nil, what: String) throws(RequestRejection) {
        guard case .object(let members) = value else {
            throw RequestRejection(.badRequest, "\(what) must be a JSON object, got a \(value.typeName)", opIndex: opIndex)
        }
        try self.init(members, allowed: allowed, opIndex: opIndex)
    }

    func value(_ key: String) -> JSONValue? {
        guard let value = members.first(where: { $0.key == key })?.value, value != .null else { return nil }
        return value
    }

    func reject(_ detail: String, code: APIErrorCode = .badRequest) -> RequestRejection {
        RequestRejection(code, detail, opIndex: opIndex)
    }

    /// A string member; nil when absent or null.
    func string(_ key: String) throws(RequestRejection) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else { throw reject("\"\(key)\" must be a string, got a \(value.typeName)") }
        return text
    }

    /// A boolean member (form: `true`/`false`); nil when absent or null.
    func bool(_ key: String) throws(RequestRejection) -> Bool? {
        guard let value = value(key) else { return nil }
        switch value {
        case .bool(let flag): return flag
        case .string("true") where isForm, .string("") where isForm: return true
        case .string("false") where isForm: return false
        default: throw reject("\"\(key)\" must be true or false, got \(isForm ? "text" : "a \(value.typeName)")")
        }
    }

    /// A version member: a non-negative integer (form: its digits); nil when absent or null.
    func version(_ key: String = "version") throws(RequestRejection) -> Int64? {
        guard let value = value(key) else { return nil }
        let text: String
        switch value {
        case .number(let digits): text = digits
        case .string(let digits) where isForm: text = digits
        default: throw reject("\"\(key)\" must be a non-negative integer, got a \(value.typeName)")
        }
        do {
            return try QueryParameters.parseVersion(text)
        } catch {
            throw reject(error.problem.detail)
        }
    }

    /// `data` decoded under `encoding` (`utf8` by default), checked against the data limit.
    ///
    /// - Throws: `BadRequest` for a bad encoding name or bad base64, `TooLarge` past
    ///   `limits.dataBytesMax`.
    func data(limits: Limits) throws(RequestRejection) -> [UInt8] {
        let encodingName = try string("encoding") ?? "utf8"
        guard let encoding = DataEncoding(rawValue: encodingName) else {
            throw reject("\"encoding\" must be \"utf8\" or \"base64\", got \"\(encodingName)\"")
        }
        guard let text = try string("data") else { return [] }
        guard let bytes = encoding.decode(text) else { throw reject("\"data\" is not valid base64") }
        guard bytes.count <= limits.dataBytesMax else {
            throw reject("data is \(bytes.count) bytes; the limit is \(limits.dataBytesMax)", code: .tooLarge)
        }
        return bytes
    }

    /// A session id member: 16 hex digits; nil when absent or null.
    func session(_ key: String = "session") throws(RequestRejection) -> SessionID? {
        guard let text = try string(key) else { return nil }
        guard let id = SessionIDText.parse(text) else {
            throw reject("\"\(key)\" must be a session id of 16 hex digits, got \"\(text)\"")
        }
        return id
    }
}

/// Session ids as text: exactly 16 hex digits.
enum SessionIDText {
    /// The id `text` names, or nil when it is not 16 hex digits.
    static func parse(_ text: some StringProtocol) -> SessionID? {
        guard text.utf8.count == 16 else { return nil }
        return SessionID(hex: String(text))
    }
}
