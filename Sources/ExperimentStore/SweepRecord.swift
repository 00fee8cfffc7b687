/// A sweep as stored: its name, spec text and plan fingerprint.
public struct SweepRecord: Sendable, Hashable {
    /// Row id.
    public var id: Int64
    /// The sweep's name (unique).
    public var name: String
    /// The spec text it was planned from (last plan).
    public var spec: String
    /// Fingerprint of the expanded plan without the trial count (a changed plan needs `--amend`).
    public var specHash: String
}

/// Run counts of one sweep by state, with throughput figures.
public struct SweepStatus: Sendable, Hashable {
    /// The sweep name.
    public var name: String
    /// Runs by state.
    public var pending: Int
    public var running: Int
    public var done: Int
    public var failed: Int
    /// Runs leased to processes that are gone or whose lease expired.
    public var staleLeases: Int
    /// Trials stored / planned over the sweep's runs.
    public var trialsStored: Int
    public var trialsPlanned: Int
    /// Earliest start and latest finish of its runs (epoch seconds), if any.
    public var firstStarted: Double?
    public var lastFinished: Double?
    /// Error messages of failed runs (up to 10) with their run ids.
    public var errors: [(runID: Int64, message: String)]
    /// The sweep's description (its spec's `description`), if any.
    public var description: String? = nil
    /// The trials per run the sweep's last plan asked for (nil for the scope of every planned run). A sweep
    /// planned before migration 0009 recorded none: then the smallest planned count among its runs.
    public var trialsPerRun: Int? = nil
    /// How many of its runs are planned with another trial count (more: another sweep sharing the run, or
    /// `kvlab trial --record`, raised it; or the spec's `trials` was lowered later).
    public var otherTrialCountRuns = 0
    /// The first of those runs (up to 10) with the trial count each holds once done.
    public var otherTrialCounts: [(runID: Int64, trials: Int)] = []

    public static func == (a: SweepStatus, b: SweepStatus) -> Bool {
        a.name == b.name && a.pending == b.pending && a.running == b.running && a.done == b.done
            && a.failed == b.failed && a.trialsStored == b.trialsStored && a.trialsPerRun == b.trialsPerRun
            && a.otherTrialCountRuns == b.otherTrialCountRuns
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    /// All runs.
    public var total: Int { pending + running + done + failed }

    /// One line naming the runs planned with another trial count than the sweep's, or nil when there are
    /// none: e.g. `2 of 40 runs hold another trial count than the sweep's 10: run 49 (30), run 50 (30)`.
    public var otherTrialCountsSummary: String? {
        guard otherTrialCountRuns > 0, let trialsPerRun else { return nil }
        var list = otherTrialCounts.map { "run \($0.runID) (\($0.trials))" }.joined(separator: ", ")
        if otherTrialCountRuns > otherTrialCounts.count {
            list += ", … (\(otherTrialCountRuns - otherTrialCounts.count) more)"
        }
        let runs = otherTrialCountRuns == 1 ? "runs holds" : "runs hold"
        return
            "\(otherTrialCountRuns) of \(total) \(runs) another trial count than the sweep's \(trialsPerRun): \(list)"
    }
}
