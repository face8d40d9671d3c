#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The two clocks a replica reads: wall time for entries, monotonic time for deadlines.
///
/// Wall time stamps entries (`Entry.timeMs`, ctime/mtime, TTL expiry) because users read
/// it; session deadlines use the monotonic clock so a wall-clock step cannot expire or
/// prolong sessions.
enum ReplicaClock {
    /// Milliseconds since the Unix epoch.
    static func wallMs() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// Milliseconds on a clock that never goes back (arbitrary origin).
    static func monotonicMs() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
