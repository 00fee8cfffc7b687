import Quantization

/// A run claimed for execution: its identity, its planned trial count and the trials already stored.
public struct ClaimedRun: Sendable, Hashable {
    /// The database id of the run.
    public var runID: Int64
    /// The fully resolved config.
    public var config: TrialConfig
    /// The seed.
    public var seed: Int
    /// Trials 0…trialsPlanned−1 belong to the run.
    public var trialsPlanned: Int
    /// Trials already stored (never recomputed).
    public var storedTrials: Set<Int>

    /// Creates a claimed run.
    public init(runID: Int64, config: TrialConfig, seed: Int, trialsPlanned: Int, storedTrials: Set<Int>) {
        self.runID = runID
        self.config = config
        self.seed = seed
        self.trialsPlanned = trialsPlanned
        self.storedTrials = storedTrials
    }

    /// The trials still to compute, in order.
    public var missingTrials: [Int] { (0..<trialsPlanned).filter { !storedTrials.contains($0) } }
}

/// One computed trial, ready to be committed.
public struct TrialResult: Sendable {
    /// The run it belongs to.
    public var runID: Int64
    /// The trial index.
    public var trial: Int
    /// Its metrics.
    public var metrics: MetricValues

    /// Creates a result.
    public init(runID: Int64, trial: Int, metrics: MetricValues) {
        self.runID = runID
        self.trial = trial
        self.metrics = metrics
    }
}

/// The database side of execution: leases, attempts, batched commits, completion. Implemented over the
/// experiment store by ``StoreRunQueue``; the tests use an in-memory one (KVLabTestSupport's
/// `InMemoryRunQueue`).
public protocol RunQueue: Sendable {
    /// Atomically leases up to `limit` pending (or reclaimable) runs to this process (an implementation may
    /// lease up to `limit` more to finish a group of runs that share data).
    ///
    /// Runs are returned grouped so that runs sharing data (same data switches and seed) come together.
    func claim(limit: Int) throws -> [ClaimedRun]
    /// Records that computing these leased runs begins: one attempt each (a run with too many attempts
    /// and no stored trial is failed by a later claim instead of being leased again).
    func begin(_ runIDs: [Int64]) throws
    /// Commits computed trials in one transaction, marks `completed` runs done (with their summaries) in
    /// the same transaction and extends this process's leases. A completed run whose planned trial count
    /// was raised meanwhile (by another plan) is not done: it returns to pending for its new trials.
    ///
    /// - Returns: how many runs were marked done.
    @discardableResult
    func commit(_ results: [TrialResult], completed: [Int64]) throws -> Int
    /// Marks a run failed with an error message (its stored trials are kept).
    func fail(runID: Int64, error: String) throws
    /// Returns this process's unfinished leased runs to pending.
    func releaseLeases() throws
}
