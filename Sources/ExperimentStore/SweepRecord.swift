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

    public static func == (a: SweepStatus, b: SweepStatus) -> Bool {
        a.name == b.name && a.pending == b.pending && a.running == b.running && a.done == b.done
            && a.failed == b.failed && a.trialsStored == b.trialsStored
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    /// All runs.
    public var total: Int { pending + running + done + failed }
}
