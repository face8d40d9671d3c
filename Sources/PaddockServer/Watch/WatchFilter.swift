import ZNodeTree

/// Which changes one watcher receives: a path, and whether the watch covers its subtree.
///
/// A plain watch of P receives P's own `created`, `changed` and `deleted`, and
/// `children_changed` of P (a child of P was created or deleted), as ZooKeeper's data
/// and child watches on P together would. A recursive watch of P receives `created`,
/// `changed` and `deleted` of P and of every node below it, and no `children_changed`:
/// each one is implied by the `created` or `deleted` of the child, which the recursive
/// watch receives anyway.
public struct WatchFilter: Sendable, Equatable {
    /// The watched node.
    public var path: ZNodePath
    /// Whether the whole subtree below `path` is watched.
    public var recursive: Bool
    /// ZooKeeper's one-shot semantics: only the first matching event is delivered.
    public var once: Bool

    /// A filter from its parts.
    public init(path: ZNodePath, recursive: Bool, once: Bool = false) {
        self.path = path
        self.recursive = recursive
        self.once = once
    }

    /// Whether `event` is delivered to a watcher with this filter.
    public func matches(_ event: WatchEvent) -> Bool {
        if recursive {
            guard event.type != .childrenChanged else { return false }
            return event.path == path || path.isAncestor(of: event.path)
        }
        return event.path == path
    }
}
