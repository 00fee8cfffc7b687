import ExperimentStore
import Foundation
import Sweeps

extension SweepRunner {
    /// The runner of `kvlab run` and `kvlab reproduce`: this process's provenance names the command.
    init(store: Store, jobs: Int, sweep: String?, resumeCommand: String) {
        self.init(
            store: store, jobs: jobs, sweep: sweep,
            provenance: Provenance.current(kvlabVersion: VersionInfo.kvlab, command: resumeCommand))
    }

    /// Plans `spec` into the runner's store with the runner's provenance (``SweepPlanner/plan(_:specText:shard:amend:store:provenance:isCancelled:memoryLimit:)``),
    /// stopping when the watcher's flag is set.
    ///
    /// - Parameters:
    ///   - spec: the spec.
    ///   - text: its text.
    ///   - shard: the slice to plan.
    ///   - amend: accept a changed plan.
    ///   - watcher: polled while planning.
    ///   - resumeCommand: printed when a signal stopped planning.
    /// - Returns: what planning did, or nil when a signal stopped it (nothing of the plan is written; noted on
    ///   stderr with the command that resumes).
    func plan(
        _ spec: SweepSpec, text: String, shard: Shard, amend: Bool, watcher: SignalWatcher, resumeCommand: String
    ) throws -> SweepPlanner.Result? {
        do {
            return try SweepPlanner.plan(
                spec, specText: text, shard: shard, amend: amend, store: store, provenance: provenance,
                isCancelled: { watcher.isCancelled })
        } catch is CancellationError {
            Console.note(
                "kvlab: stopped while planning; nothing of this plan was written. Resume with: \(resumeCommand)")
            return nil
        }
    }

    /// Executes the pending work with progress on stderr, checkpoints, and reports how it ended.
    ///
    /// - Parameters:
    ///   - quiet: no notes and no progress (a stop is still reported).
    ///   - resumeCommand: the command to print for resuming.
    ///   - watcher: installed by the command before it opens or plans anything, so an early signal also
    ///     stops cleanly.
    ///   - provenanceID: this runner's provenance row when the plan recorded it, else nil.
    /// - Returns: `.ok`; `.failure` when runs of the scope are failed (computed or not by this process:
    ///   the sweep is incomplete until `kvlab retry`); `.interrupted`/`.terminated` after a clean stop.
    func run(
        quiet: Bool, resumeCommand: String, watcher: SignalWatcher, provenanceID: Int64?
    ) async throws -> ExitStatus {
        let work = try pendingWork(provenanceID: provenanceID)
        if work.runs == 0 {
            if !quiet {
                let status = work.status
                Console.note(
                    "kvlab: nothing to do: every planned run\(sweep.map { " of sweep '\($0)'" } ?? "") is done or failed (\(status.done) done, \(status.failed) failed)"
                )
            }
            try store.checkpoint()
            if !quiet { Self.reportTrialCounts(work.status) }
            return Self.reportFailedRuns(work.status)
        }
        if !quiet {
            Console.note("kvlab: \(work.runs) runs to compute (\(work.trials) trials) on \(jobs) workers")
        }
        let progress = ProgressReporter(totalRuns: work.runs, quiet: quiet)
        let result = try await execute(
            work, isCancelled: { watcher.isCancelled },
            progress: { p in progress.update(runsDone: p.runsDone, trialsDone: p.trialsDone) })
        progress.finish()
        switch result.outcome {
        case .finished:
            if !quiet {
                Console.note(
                    "kvlab: done in \(ProgressReporter.duration(result.elapsedSeconds)); database \(store.path)")
                Self.reportTrialCounts(result.status)
            }
            return Self.reportFailedRuns(result.status)
        case .cancelled:
            Console.note("kvlab: stopped; everything committed is kept. Resume with: \(resumeCommand)")
            return watcher.exitStatus
        }
    }
}

extension SweepRunner {
    /// Notes failed runs on stderr (even when quiet: the sweep is incomplete) with the first error.
    ///
    /// - Returns: `.failure` when the scope has failed runs, else `.ok`.
    static func reportFailedRuns(_ status: SweepStatus) -> ExitStatus {
        guard status.failed > 0 else { return .ok }
        let first = status.errors.first.map { " (run \($0.runID): \($0.message))" } ?? ""
        Console.note(
            "kvlab: \(status.failed) run\(status.failed == 1 ? "" : "s") failed\(first); `kvlab status` shows the "
                + "errors, `kvlab retry` sends failed runs back to pending")
        return .failure
    }
}

extension SweepRunner {
    /// Notes the runs of the sweep planned with another trial count than the sweep's (by design a run may
    /// hold more trials, e.g. when another sweep shares it: its means use them all, so say which).
    static func reportTrialCounts(_ status: SweepStatus) {
        guard let summary = status.otherTrialCountsSummary else { return }
        Console.note(
            "kvlab: sweep '\(status.name)': \(summary); their means use every trial they hold (`kvlab status` "
                + "lists them)")
    }
}

/// Number of cores (the default for `--jobs`).
func defaultJobs() -> Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
