import Synchronization

/// The members a client speaks to, and which of them answered last.
///
/// Endpoints are base URLs (`http://host:port`); a bare `host:port` gets `http://`. Calls
/// start at the member that answered last, so a client sticks to a live member and only
/// moves on failure.
final class Endpoints: Sendable {
    /// The base URLs, without a trailing slash; never empty.
    let urls: [String]
    private let preferred = Mutex(0)

    /// Parses `endpoints`.
    ///
    /// - Throws: `PaddockError` `.badRequest` for an empty list or an endpoint that is not
    ///   `http://host:port` or `host:port`.
    init(_ endpoints: [String]) throws(PaddockError) {
        var urls: [String] = []
        for raw in endpoints {
            let trimmed = raw.trimmingWhitespace()
            guard !trimmed.isEmpty else { continue }
            urls.append(try Self.normalize(trimmed))
        }
        guard !urls.isEmpty else { throw PaddockError(.badRequest, "no endpoints given") }
        self.urls = urls
    }

    /// The list parsed from a comma-separated string, as in `PADDOCK_ENDPOINTS`.
    convenience init(commaSeparated: String) throws(PaddockError) {
        try self.init(commaSeparated.split(separator: ",").map(String.init))
    }

    static func normalize(_ endpoint: String) throws(PaddockError) -> String {
        var url = endpoint
        if url.hasPrefix("https://") {
            throw PaddockError(.badRequest, "endpoint \(endpoint): only http:// is spoken")
        }
        if !url.hasPrefix("http://") { url = "http://" + url }
        while url.hasSuffix("/") { url.removeLast() }
        let authority = url.dropFirst("http://".count)
        guard !authority.isEmpty, !authority.contains("/"), !authority.contains(" "),
            let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]),
            (1...65535).contains(port), colon != authority.startIndex
        else {
            throw PaddockError(.badRequest, "endpoint \(endpoint) is not http://HOST:PORT")
        }
        return url
    }

    /// The index to start a call at.
    var preferredIndex: Int { preferred.withLock { $0 } }

    /// Remembers that `index` answered.
    func prefer(_ index: Int) {
        precondition(urls.indices.contains(index), "endpoint index \(index) out of 0..<\(urls.count)")
        preferred.withLock { $0 = index }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
