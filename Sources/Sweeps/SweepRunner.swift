import ExperimentStore
import Quantization

/// Executes the planned work of a store: the shared body of `kvlab run`, `kvlab reproduce` and the
/// end-to-end benchmark.
///
/// ``pendingWork()`` records this process's provenance and reads what is left; ``execute(_:isCancelled:progress:)``
/// computes it through a ``StoreRunQueue`` with a ``SweepExecutor`` and checkpoints the WAL. Printing is the
/// caller's: the runner reports through its return values and the progress callback.
public struct SweepRunner: Sendable {
    /// What is left to do, read before executing.
    public struct Work: Sendable {
        /// Runs by state and trials stored/planned, for the runner's scope.
        public var status: SweepStatus
        /// This process's provenance row.
        public var provenanceID: Int64

        /// Runs to compute: pending and running (a running run may be reclaimed from a dead process).
        public var runs: Int { status.pending + status.running }

        /// Trials still to compute.
        public var trials: Int { status.trialsPlanned - status.trialsStored }
    }

    /// How an execution ended.
    public struct Result: Sendable {
        /// Finished (no claimable work left) or cancelled (leases released).
        public var outcome: SweepExecutor.Outcome
        /// The executor's totals: runs completed and failed, trials committed, compute time.
        public var progress: SweepExecutor.Progress
        /// Wall-clock seconds of the execution, checkpoint included.
        public var elapsedSeconds: Double
    }

    /// The database.
    public var store: Store
    /// Worker count (≥ 1).
    public var jobs: Int
    /// Restrict execution to this sweep's runs (nil: all planned work).
    public var sweep: String?
    /// This process, as recorded with the trials it computes.
    public var provenance: Provenance
    /// The executor's engine.
    public var engine: TrialEngine

    /// A runner.
    ///
    /// - Parameters:
    ///   - store: a store opened read-write.
    ///   - jobs: worker count (at least 1 is used).
    ///   - sweep: the sweep whose runs to compute, or nil for every planned run.
    ///   - provenance: this process (recorded once by ``pendingWork()``).
    ///   - engine: the trial engine.
    public init(
        store: Store, jobs: Int, sweep: String?, provenance: Provenance, engine: TrialEngine = TrialEngine()
    ) {
        self.store = store
        self.jobs = max(1, jobs)
        self.sweep = sweep
        self.provenance = provenance
        self.engine = engine
    }

    /// The executor the runner uses: `claimSize` max(15, 8 × jobs) runs, a commit every 16 × jobs trials.
    public var executor: SweepExecutor {
        SweepExecutor(engine: engine, jobs: jobs, claimSize: max(15, 8 * jobs), commitEvery: 16 * jobs)
    }

    /// Records this process's provenance and reads the runner's scope: runs by state and trials left.
    ///
    /// - Throws: ``StoreError``.
    public func pendingWork() throws -> Work {
        let provenanceID = try store.recordProvenance(provenance)
        let status = try store.read { db in
            try Store.sweepStatus(name: sweep, now: Store.now(), host: LeaseOwner.hostName(), in: db)
        }
        return Work(status: status, provenanceID: provenanceID)
    }

    /// Computes the pending work until none is claimable or `isCancelled` returns true, then checkpoints
    /// the WAL.
    ///
    /// - Parameters:
    ///   - work: what ``pendingWork()`` returned (its provenance row is recorded with the trials).
    ///   - isCancelled: polled between work units (e.g. a signal flag).
    ///   - progress: called after every commit with the totals so far.
    /// - Returns: the outcome, the totals and the elapsed time.
    /// - Throws: ``StoreError`` (this process's leases are released first when possible).
    public func execute(
        _ work: Work, isCancelled: @escaping @Sendable () -> Bool,
        progress: @escaping @Sendable (SweepExecutor.Progress) -> Void = { _ in }
    ) async throws -> Result {
        let queue = StoreRunQueue(store: store, sweep: sweep, provenanceID: work.provenanceID)
        let totals = LastProgress()
        let start = SweepExecutor.monotonicSeconds()
        let outcome = try await executor.execute(
            queue: queue, isCancelled: isCancelled,
            progress: { p in
                totals.set(p)
                progress(p)
            })
        try store.checkpoint()
        return Result(
            outcome: outcome, progress: totals.get() ?? SweepExecutor.Progress(runsDone: 0, trialsDone: 0),
            elapsedSeconds: SweepExecutor.monotonicSeconds() - start)
    }
}
