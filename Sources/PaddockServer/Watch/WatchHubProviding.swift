/// A member that serves watches: it owns a `WatchHub` and feeds it after every applied
/// batch (see `WatchHub.publish`).
///
/// The HTTP layer finds the hub through this protocol on its replica, so a single node
/// and a replicated member serve `/v1/watch` the same way.
public protocol WatchHubProviding: Sendable {
    /// The member's hub.
    var watchHub: WatchHub { get }
}
