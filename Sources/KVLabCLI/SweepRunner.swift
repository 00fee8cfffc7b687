import ExperimentStore
import Foundation
import Quantization
import Sweeps

/// The shared body of `kvlab run` and `kvlab reproduce`: plan (optional), execute with progress and
/// signal handling, checkpoint, and report.
struct SweepRunner {
    var store: Store
    var jobs: Int
    var quiet: Bool
    /// Restrict execution to this sweep's runs (nil: all planned work).
    var sweep: String?
    /// The command to print for resuming.
    var resumeCommand: String
    /// Installed by the command before it opens or plans anything, so an early signal also stops cleanly.
    var watcher: SignalWatcher

    /// Executes the pending work.
    ///
    /// - Returns: `.ok`, or `.interrupted`/`.terminated` after a clean stop.
    func execute() async throws -> ExitStatus {
        let provenance = Provenance.current(kvlabVersion: VersionInfo.kvlab, command: resumeCommand)
        let provenanceID = try store.recordProvenance(provenance)
        let status = try store.read { db in
            try Store.sweepStatus(name: sweep, now: Store.now(), host: LeaseOwner.hostName(), in: db)
        }
        let todo = status.pending + status.running
        if todo == 0 {
            if !quiet {
                Console.note(
                    "kvlab: nothing to do: every planned run\(sweep.map { " of sweep '\($0)'" } ?? "") is done or failed (\(status.done) done, \(status.failed) failed)"
                )
            }
            try store.checkpoint()
            return .ok
        }
        if !quiet {
            Console.note(
                "kvlab: \(todo) runs to compute (\(status.trialsPlanned - status.trialsStored) trials) on \(jobs) workers"
            )
        }
        let progress = ProgressReporter(totalRuns: todo, quiet: quiet)
        let queue = StoreRunQueue(store: store, sweep: sweep, provenanceID: provenanceID)
        let executor = SweepExecutor(jobs: jobs, claimSize: max(15, 8 * jobs), commitEvery: 16 * jobs)
        let start = ProgressReporter.now()
        let outcome = try await executor.execute(
            queue: queue, isCancelled: { watcher.isCancelled },
            progress: { p in progress.update(runsDone: p.runsDone, trialsDone: p.trialsDone) })
        progress.finish()
        try store.checkpoint()
        let elapsed = ProgressReporter.now() - start
        switch outcome {
        case .finished:
            if !quiet { Console.note("kvlab: done in \(ProgressReporter.duration(elapsed)); database \(store.path)") }
            return .ok
        case .cancelled:
            Console.note("kvlab: stopped; everything committed is kept. Resume with: \(resumeCommand)")
            return watcher.exitStatus
        }
    }
}

/// Number of cores (the default for `--jobs`).
func defaultJobs() -> Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
