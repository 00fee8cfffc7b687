import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns SIGINT and SIGTERM into a flag a long command polls between units of work, so it can stop
/// cleanly (release leases, print how to resume) and exit 130 or 143. SIGXFSZ is ignored so a full file
/// surfaces as an I/O error (exit 3) instead of killing the process.
///
/// `@unchecked Sendable`: `sources` is written only in `init`; the flag is atomic.
final class SignalWatcher: @unchecked Sendable {
    private let received = Atomic<Int32>(0)
    private var sources: [any DispatchSourceSignal] = []

    /// Installs the handlers (the default actions are disabled while the watcher lives).
    init() {
        signal(SIGXFSZ, SIG_IGN)
        var made: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { @Sendable [weak self] in
                guard let self else { return }
                if self.received.load(ordering: .relaxed) != 0 {
                    // A second signal: the user insists; leave at once (committed work is safe).
                    _exit(128 + sig)
                }
                self.received.store(sig, ordering: .relaxed)
                FileOutput.standardError.write("\nkvlab: stopping after the current work (signal again to abort)…\n")
            }
            source.resume()
            made.append(source)
        }
        sources = made
    }

    /// Whether a stop was requested.
    var isCancelled: Bool { received.load(ordering: .relaxed) != 0 }

    /// The exit status matching the signal received (130 for SIGINT, 143 for SIGTERM).
    var exitStatus: ExitStatus { received.load(ordering: .relaxed) == SIGTERM ? .terminated : .interrupted }
}
