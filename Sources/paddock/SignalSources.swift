import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Ignores each of `numbers`, so that none ends the process before its handler is in
/// place, and makes a suspended source on the global queue for each, in order: the
/// caller sets the handlers and resumes them.
func ignoredSignalSources(_ numbers: [Int32]) -> [DispatchSourceSignal] {
    numbers.map { number in
        signal(number, SIG_IGN)
        return DispatchSource.makeSignalSource(signal: number, queue: .global())
    }
}
