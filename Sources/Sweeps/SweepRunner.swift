import ExperimentStore
import Quantization

/// Executes the planned work of a store: the shared body of `kvlab run`, `kvlab reproduce` and the
/// end-to-end benchmark.
///
/// ``pendingWork(provenanceID:)`` records this process's provenance and reads what is left; ``execute(_:isCancelled:progress:)``
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
        /// The runner's scope after the execution: runs by state, with the errors of failed runs (those
        /// whose computation threw, those claimed ``Store/maxAttempts`` times without finishing, and any
        /// failed before).
        public var status: SweepStatus
    }

    /// The database.
    public var store: Store
    /// Worker count (≥ 1).
    public var jobs: Int
    /// Restrict execution to this sweep's runs (nil: all planned work).
    public var sweep: String?
    /// This process, as recorded with the trials it computes (and with the plan, when it plans first).
    public let provenance: Provenance
    /// The executor's engine.
    var engine: TrialEngine
    /// The clock and process-liveness check of the leases.
    var environment: LeaseEnvironment
    /// The source of each data key's inputs (the executor's ``SweepExecutor/dataSource``).
    var dataSource: @Sendable (DataKey) -> any TrialDataSource

    /// A runner.
    ///
    /// - Parameters:
    ///   - store: a store opened read-write.
    ///   - jobs: worker count (at least 1 is used).
    ///   - sweep: the sweep whose runs to compute, or nil for every planned run.
    ///   - provenance: this process (recorded once by ``pendingWork(provenanceID:)``).
    ///   - engine: the trial engine.
    ///   - environment: the clock and liveness check of the leases (default: the system's).
    ///   - dataSource: the source of a data key's inputs (default: the store's, ``StoreDataSources``:
    ///     the synthetic generator, or the stored dataset).
    public init(
        store: Store, jobs: Int, sweep: String?, provenance: Provenance, engine: TrialEngine = TrialEngine(),
        environment: LeaseEnvironment = .system,
        dataSource: (@Sendable (DataKey) -> any TrialDataSource)? = nil
    ) {
        self.store = store
        self.jobs = max(1, jobs)
        self.sweep = sweep
        self.provenance = provenance
        self.engine = engine
        self.environment = environment
        let sources = StoreDataSources(store: store)
        self.dataSource = dataSource ?? { sources.source(for: $0) }
    }

    /// The executor the runner uses: `claimSize` max(15, 8 × jobs) runs, a commit every 16 × jobs trials.
    var executor: SweepExecutor {
        SweepExecutor(
            engine: engine, jobs: jobs, claimSize: max(15, 8 * jobs), commitEvery: 16 * jobs, dataSource: dataSource,
            modelEvaluator: ModelLevelEvaluator(store: store, engine: engine, exactThreads: jobs))
    }

    /// Records this process's provenance (unless the plan already did) and reads the runner's scope: runs by
    /// state and trials left.
    ///
    /// - Parameter provenanceID: ``provenance``'s row when planning recorded it
    ///   (``SweepPlanner/Result/provenanceID``); nil records it now.
    /// - Throws: ``StoreError``.
    public func pendingWork(provenanceID: Int64? = nil) throws -> Work {
        let provenanceID = try provenanceID ?? store.recordProvenance(provenance)
        return Work(status: try status(), provenanceID: provenanceID)
    }

    /// The runner's scope now: runs by state, trials, stale leases and the errors of failed runs.
    ///
    /// - Throws: ``StoreError``.
    func status() throws -> SweepStatus {
        let environment = self.environment
        return try store.read { db in
            try Store.sweepStatus(
                name: sweep, now: environment.now(), host: LeaseOwner.hostName(), isAlive: environment.isAlive, in: db)
        }
    }

    /// Computes the pending work until none is claimable or `isCancelled` returns true, then checkpoints
    /// the WAL.
    ///
    /// - Parameters:
    ///   - work: what ``pendingWork(provenanceID:)`` returned (its provenance row is recorded with the trials).
    ///   - isCancelled: polled between work units (e.g. a signal flag).
    ///   - progress: called after every commit with the totals so far.
    /// - Returns: the outcome, the totals and the elapsed time.
    /// - Throws: ``StoreError`` (this process's leases are released first when possible).
    public func execute(
        _ work: Work, isCancelled: @escaping @Sendable () -> Bool,
        progress: @escaping @Sendable (SweepExecutor.Progress) -> Void = { _ in }
    ) async throws -> Result {
        let queue = StoreRunQueue(
            store: store, sweep: sweep, provenanceID: work.provenanceID, environment: environment)
        let totals = LastProgress()
        let start = SweepExecutor.monotonicSeconds()
        let outcome = try await executor.execute(
            queue: queue, isCancelled: isCancelled,
            progress: { p in
                totals.set(p)
                progress(p)
            })
        try store.checkpoint()
        let elapsed = SweepExecutor.monotonicSeconds() - start
        return Result(
            outcome: outcome, progress: totals.get() ?? SweepExecutor.Progress(runsDone: 0, trialsDone: 0),
            elapsedSeconds: elapsed, status: try status())
    }
}
