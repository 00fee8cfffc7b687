import Quantization
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Executes leased runs on `jobs` workers with a single committing writer (docs/architecture.md "Sweeps and resume").
///
/// Runs that share data (same data switches, seed and trial; another scheme or budget) are evaluated on
/// one ``PreparedTrial``: K, V, queries and the reference attention are computed once. Trials already
/// stored are never recomputed. Numbers do not depend on `jobs`, batching, claiming order or
/// interruptions: each trial is a pure function of (config, seed, trial).
///
/// When the inputs of a trial cannot be produced (its ``TrialDataSource`` throws), every run that needs
/// them is marked failed with the error (``RunQueue/fail(runID:error:)``), its uncommitted trials are
/// dropped, and the other runs go on.
public struct SweepExecutor: Sendable {
    /// Progress of an execution, reported after every commit.
    public struct Progress: Sendable {
        /// Runs completed by this process.
        public var runsDone: Int
        /// Trials computed and committed by this process.
        public var trialsDone: Int
        /// Runs this process marked failed because their computation threw.
        public var runsFailed: Int = 0
        /// Seconds the workers spent computing (summed over workers; the rest of the wall time × jobs is
        /// bookkeeping, database and idle time).
        public var computeSeconds: Double = 0
    }

    /// How an execution ended.
    public enum Outcome: Sendable, Equatable {
        /// No claimable work is left.
        case finished
        /// Stopped on request (signal); leases were released.
        case cancelled
    }

    /// The engine (and its codebook cache).
    public var engine: TrialEngine
    /// Number of concurrent workers (≥ 1).
    public var jobs: Int
    /// Runs claimed per lease round.
    public var claimSize: Int
    /// Trials per commit. A commit also happens once a run has completed and a quarter of that many
    /// trials wait, when the work ends, and as soon as a newly begun run has its first result (so that a
    /// process dying later has stored progress for it).
    public var commitEvery: Int
    /// The source of each data key's inputs (default: the synthetic generator, ``SyntheticSource``).
    public var dataSource: @Sendable (DataKey) -> any TrialDataSource
    /// The evaluator of model-level runs (nil: such runs fail with a message saying so).
    public var modelEvaluator: ModelLevelEvaluator?

    /// An executor.
    ///
    /// - Parameters:
    ///   - engine: the trial engine.
    ///   - jobs: worker count (default: 2).
    ///   - claimSize: runs leased per round (default: 30, enough to share data across schemes and bits).
    ///   - commitEvery: trials per commit.
    ///   - dataSource: the source of a data key's inputs (default: the synthetic generator).
    ///   - modelEvaluator: the evaluator of model-level runs.
    public init(
        engine: TrialEngine = TrialEngine(), jobs: Int = 2, claimSize: Int = 30, commitEvery: Int = 64,
        dataSource: @escaping @Sendable (DataKey) -> any TrialDataSource = { SyntheticSource(key: $0) },
        modelEvaluator: ModelLevelEvaluator? = nil
    ) {
        self.engine = engine
        self.jobs = max(1, jobs)
        self.claimSize = max(1, claimSize)
        self.commitEvery = max(1, commitEvery)
        self.dataSource = dataSource
        self.modelEvaluator = modelEvaluator
    }

    /// What one work unit gave: its results, or the error that stopped it.
    enum UnitOutcome: Sendable {
        /// The unit's trials, computed.
        case computed([TrialResult])
        /// The unit's inputs could not be produced: its runs and the error's description.
        case failed([Int64], String)
    }

    /// One unit of parallel work: one trial of a group of runs that share data, or one trial of one
    /// model-level run (whose data, every layer's K and V, depends on its own quantization).
    struct WorkUnit: Sendable {
        var key: DataKey
        var seed: Int
        var trial: Int
        var runs: [(runID: Int64, config: TrialConfig)]
        var modelLevel = false
    }

    /// Groups the missing trials of claimed runs into work units sharing prepared data.
    static func workUnits(_ runs: [ClaimedRun]) -> [WorkUnit] {
        struct GroupKey: Hashable {
            var key: DataKey
            var seed: Int
            var trial: Int
        }
        var order: [GroupKey] = []
        var groups: [GroupKey: [(Int64, TrialConfig)]] = [:]
        var modelUnits: [WorkUnit] = []
        for run in runs {
            let config = run.config
            if run.config.isModelLevel {
                for trial in run.missingTrials {
                    modelUnits.append(
                        WorkUnit(
                            key: config.dataKey, seed: run.seed, trial: trial, runs: [(run.runID, config)],
                            modelLevel: true))
                }
                continue
            }
            for trial in run.missingTrials {
                let g = GroupKey(key: config.dataKey, seed: run.seed, trial: trial)
                if groups[g] == nil { order.append(g) }
                groups[g, default: []].append((run.runID, config))
            }
        }
        return order.map { g in
            WorkUnit(key: g.key, seed: g.seed, trial: g.trial, runs: (groups[g] ?? []).map { ($0.0, $0.1) })
        } + modelUnits
    }

    /// Runs until no claimable work is left or `isCancelled` returns true.
    ///
    /// Runs are leased `claimSize` at a time. The next lease is taken as soon as every unit of the previous
    /// one has started, so the workers never wait for the slowest unit of a round.
    ///
    /// - Parameters:
    ///   - queue: the database side.
    ///   - isCancelled: polled between work units (e.g. a signal flag).
    ///   - progress: called after every commit.
    /// - Returns: how it ended.
    /// - Throws: database errors from `queue` (leases of this process are released first when possible).
    public func execute(
        queue: some RunQueue, isCancelled: @escaping @Sendable () -> Bool,
        progress: @escaping @Sendable (Progress) -> Void = { _ in }
    ) async throws -> Outcome {
        var totals = Progress(runsDone: 0, trialsDone: 0)
        do {
            let cancelled = try await executeClaims(
                queue: queue, isCancelled: isCancelled, totals: &totals, progress: progress)
            if cancelled {
                try queue.releaseLeases()
                return .cancelled
            }
            return .finished
        } catch {
            try? queue.releaseLeases()
            throw error
        }
    }

    /// Claims runs and computes every missing trial of them, committing in batches, until no claimable
    /// work is left or a cancellation.
    /// - Returns: true when cancelled before finishing.
    private func executeClaims(
        queue: some RunQueue, isCancelled: @escaping @Sendable () -> Bool,
        totals: inout Progress, progress: @escaping @Sendable (Progress) -> Void
    ) async throws -> Bool {
        // Trials still to compute per run; a run leaves the table (and `begun`) when its last one is in.
        var remaining: [Int64: Int] = [:]
        var units: [WorkUnit] = []
        var next = 0
        var exhausted = false
        var pending: [TrialResult] = []
        var completed: [Int64] = []
        var failed: Set<Int64> = []
        var begun: Set<Int64> = []
        // Begun runs none of whose trials is committed yet: their first result is committed at once, so a
        // process that dies later has stored progress for them (attempts count only deaths before that).
        var unproven: Set<Int64> = []
        var cancelled = false
        let engine = self.engine
        let dataSource = self.dataSource
        let modelEvaluator = self.modelEvaluator
        try await withThrowingTaskGroup(of: (UnitOutcome, Double).self) { group in
            /// Leases the next runs once every unit claimed so far has started; false when none is left (or
            /// on cancellation). Runs with nothing missing (all trials stored before a kill) complete at once.
            func claimMore() throws -> Bool {
                if exhausted { return false }
                if isCancelled() {
                    cancelled = true
                    return false
                }
                let claimed = try queue.claim(limit: claimSize)
                if claimed.isEmpty {
                    exhausted = true
                    return false
                }
                var alreadyComplete: [Int64] = []
                for run in claimed {
                    let missing = run.missingTrials.count
                    if missing == 0 { alreadyComplete.append(run.runID) } else { remaining[run.runID] = missing }
                }
                if !alreadyComplete.isEmpty {
                    totals.runsDone += try queue.commit([], completed: alreadyComplete)
                    progress(totals)
                }
                units = SweepExecutor.workUnits(claimed)
                next = 0
                return true
            }
            /// Starts the next unit that still has a run not failed; false when none is left. The first unit
            /// of a run counts its attempt.
            func submit() throws -> Bool {
                while true {
                    if next == units.count {
                        guard try claimMore() else { return false }
                        continue
                    }
                    var unit = units[next]
                    next += 1
                    unit.runs.removeAll { failed.contains($0.runID) }
                    if unit.runs.isEmpty { continue }
                    let starting = unit.runs.map(\.runID).filter { !begun.contains($0) }
                    if !starting.isEmpty {
                        try queue.begin(starting)
                        begun.formUnion(starting)
                        unproven.formUnion(starting)
                    }
                    group.addTask {
                        if isCancelled() { return (.computed([]), 0) }
                        let start = SweepExecutor.monotonicSeconds()
                        do {
                            if unit.modelLevel {
                                guard let modelEvaluator else { throw ModelLevelEvaluatorError.notModelLevel }
                                let results = try unit.runs.map { run in
                                    TrialResult(
                                        runID: run.runID, trial: unit.trial,
                                        metrics: try modelEvaluator.metrics(
                                            run.config.resolved, seed: unit.seed, trial: unit.trial))
                                }
                                return (.computed(results), SweepExecutor.monotonicSeconds() - start)
                            }
                            let prepared = try dataSource(unit.key).prepared(
                                key: unit.key, seed: unit.seed, trial: unit.trial)
                            let metrics = engine.evaluate(unit.runs.map(\.config), on: prepared)
                            let results = zip(unit.runs, metrics).map { run, values in
                                TrialResult(runID: run.runID, trial: unit.trial, metrics: values)
                            }
                            return (.computed(results), SweepExecutor.monotonicSeconds() - start)
                        } catch {
                            return (
                                .failed(unit.runs.map(\.runID), String(describing: error)),
                                SweepExecutor.monotonicSeconds() - start
                            )
                        }
                    }
                    return true
                }
            }
            var running = 0
            while try running < jobs && submit() { running += 1 }
            while let (outcome, seconds) = try await group.next() {
                running -= 1
                var firstResult = false
                totals.computeSeconds += seconds
                switch outcome {
                case .computed(let results):
                    for r in results where !failed.contains(r.runID) {
                        if unproven.remove(r.runID) != nil { firstResult = true }
                        pending.append(r)
                        remaining[r.runID, default: 0] -= 1
                        if remaining[r.runID] == 0 {
                            completed.append(r.runID)
                            remaining[r.runID] = nil
                            begun.remove(r.runID)
                        }
                    }
                case .failed(let runIDs, let message):
                    for runID in runIDs where !failed.contains(runID) {
                        try queue.fail(runID: runID, error: message)
                        failed.insert(runID)
                        totals.runsFailed += 1
                    }
                    pending.removeAll { failed.contains($0.runID) }
                    progress(totals)
                }
                if isCancelled() {
                    cancelled = true
                } else if try submit() {
                    running += 1
                }
                if pending.count >= commitEvery || (!completed.isEmpty && pending.count >= commitEvery / 4)
                    || firstResult
                {
                    totals.runsDone += try queue.commit(pending, completed: completed)
                    totals.trialsDone += pending.count
                    pending.removeAll(keepingCapacity: true)
                    completed.removeAll()
                    progress(totals)
                }
            }
        }
        if !pending.isEmpty || !completed.isEmpty {
            totals.runsDone += try queue.commit(pending, completed: completed)
            totals.trialsDone += pending.count
            progress(totals)
        }
        return cancelled
    }

    /// Monotonic clock in seconds (for the compute-time figure only; never affects results).
    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
