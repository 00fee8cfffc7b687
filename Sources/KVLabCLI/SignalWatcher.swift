import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The first stop signal received (SIGINT or SIGTERM), 0 before any: written only by ``stopSignalHandler(_:)``.
private let receivedStopSignal = Atomic<Int32>(0)

/// Set while the process does work that writes nothing (``SignalWatcher/exitingAtOnce(_:)``): a stop signal
/// then exits at once instead of setting the flag.
private let stopExitsAtOnce = Atomic<Bool>(false)

/// The handler of SIGINT and SIGTERM. It runs in whichever thread the kernel interrupts, so it cannot be
/// starved by busy workers (a Dispatch signal source on a global queue waited for a worker to finish its
/// unit, seconds, before even setting the flag, and a second signal queued behind the first). Only
/// async-signal-safe calls: an atomic exchange, write(2) of static text and _exit(2).
///
/// - Parameter sig: the signal.
private func stopSignalHandler(_ sig: Int32) {
    if stopExitsAtOnce.load(ordering: .relaxed) {
        writeStandardError("\nkvlab: stopped while reading the spec; nothing was written\n")
        _exit(128 + sig)
    }
    if receivedStopSignal.compareExchange(expected: 0, desired: sig, ordering: .relaxed).exchanged {
        writeStandardError("\nkvlab: stopping after the current work (signal again to abort)…\n")
    } else {
        // A second signal: the user insists; leave at once. Every commit is a transaction, so the database is
        // consistent; this process's leases are reclaimed later by the stale-lease rule.
        writeStandardError("\nkvlab: aborted; everything committed is kept\n")
        _exit(128 + sig)
    }
}

/// Writes static text to stderr without allocating (safe in a signal handler); errors are ignored.
private func writeStandardError(_ text: StaticString) {
    text.withUTF8Buffer { buffer in
        guard let base = buffer.baseAddress else { return }
        _ = write(2, base, buffer.count)
    }
}

/// Turns SIGINT and SIGTERM into a flag a long command polls between units of work, so it can stop
/// cleanly (release leases, print how to resume) and exit 130 or 143; a second signal exits at once. SIGXFSZ
/// is ignored so a full file surfaces as an I/O error (exit 3) instead of killing the process.
///
/// The flag is set by a signal handler proper (not a Dispatch source), so it is set at once even while every
/// worker thread is busy, during planning as well as execution.
final class SignalWatcher: Sendable {
    /// Installs the handlers (they stay installed for the rest of the process).
    init() {
        signal(SIGXFSZ, SIG_IGN)
        // Touch the flag before a handler can run, so its (lazy) initialisation never happens in one.
        receivedStopSignal.store(0, ordering: .relaxed)
        stopExitsAtOnce.store(false, ordering: .relaxed)
        for sig in [SIGINT, SIGTERM] {
            // BSD semantics on glibc and Darwin: the handler stays installed and interrupted calls restart.
            signal(sig, stopSignalHandler)
        }
    }

    /// Runs work that writes nothing and polls no flag (reading, parsing and expanding a spec: a million-run
    /// spec takes seconds) so that a stop signal during it exits at once, with the status of the signal.
    ///
    /// - Parameter body: the work; it must not write to a database or a file.
    /// - Returns: what `body` returns.
    func exitingAtOnce<T>(_ body: () throws -> T) rethrows -> T {
        stopExitsAtOnce.store(true, ordering: .relaxed)
        defer { stopExitsAtOnce.store(false, ordering: .relaxed) }
        return try body()
    }

    /// Whether a stop was requested.
    var isCancelled: Bool { receivedStopSignal.load(ordering: .relaxed) != 0 }

    /// The exit status matching the signal received (130 for SIGINT, 143 for SIGTERM).
    var exitStatus: ExitStatus { receivedStopSignal.load(ordering: .relaxed) == SIGTERM ? .terminated : .interrupted }
}
