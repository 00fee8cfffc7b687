import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress on stderr: a live bar (runs done/total, trials/s, ETA) on a terminal, a plain line every few
/// seconds otherwise, nothing when quiet.
final class ProgressReporter: Sendable {
    private struct State {
        var runsDone = 0
        var trialsDone = 0
        var lastPrint = 0.0
        var drewBar = false
    }

    private let totalRuns: Int
    private let quiet: Bool
    private let isTerminal: Bool
    private let start: Double
    private let state = Mutex(State())

    /// A reporter for `totalRuns` runs.
    init(totalRuns: Int, quiet: Bool) {
        self.totalRuns = totalRuns
        self.quiet = quiet
        isTerminal = isatty(2) != 0
        start = ProgressReporter.now()
    }

    /// Monotonic seconds.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Records new totals and redraws when due.
    func update(runsDone: Int, trialsDone: Int) {
        guard !quiet else { return }
        let t = ProgressReporter.now()
        let line: String? = state.withLock { s in
            s.runsDone = runsDone
            s.trialsDone = trialsDone
            let interval = isTerminal ? 0.2 : 5.0
            guard t - s.lastPrint >= interval || runsDone == totalRuns else { return nil }
            s.lastPrint = t
            s.drewBar = isTerminal
            return render(runsDone: runsDone, trialsDone: trialsDone, elapsed: t - start)
        }
        guard let line else { return }
        FileOutput.standardError.write(isTerminal ? "\r\u{1B}[2K" + line : line + "\n")
    }

    /// Ends the bar line (on a terminal) so later output starts on a fresh line.
    func finish() {
        guard !quiet else { return }
        let drew = state.withLock { $0.drewBar }
        if drew { FileOutput.standardError.write("\n") }
    }

    private func render(runsDone: Int, trialsDone: Int, elapsed: Double) -> String {
        let fraction = totalRuns > 0 ? Double(runsDone) / Double(totalRuns) : 1
        let rate = elapsed > 0 ? Double(trialsDone) / elapsed : 0
        let runRate = elapsed > 0 ? Double(runsDone) / elapsed : 0
        let eta = runRate > 0 ? Double(totalRuns - runsDone) / runRate : .nan
        let width = 28
        let filled = min(width, Int(fraction * Double(width)))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let percent = Int((fraction * 100).rounded(.down))
        // Slow trials (a model-level trial takes seconds) show their rate per minute rather than "0 trials/s".
        let speed = rate >= 1 || rate == 0 ? "\(Int(rate)) trials/s" : "\(Int((rate * 60).rounded())) trials/min"
        return "[\(bar)] \(runsDone)/\(totalRuns) runs \(percent)%  \(speed)  ETA \(Self.duration(eta))"
    }

    /// "1h02m", "3m05s", "12s" or "?".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600)h\(String(format2(s % 3600 / 60)))m" }
        if s >= 60 { return "\(s / 60)m\(String(format2(s % 60)))s" }
        return "\(s)s"
    }

    private static func format2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
