import ExperimentStore
import Foundation
import Sweeps

extension BenchmarkSuite {
    /// `kvlab run paper` from an empty database on `jobs` workers: the wall time, and the share of it spent
    /// outside the engine (store, planning, bookkeeping, idle) as a note.
    mutating func reproduce() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kvlab-bench-e2e-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Store(path: dir.appendingPathComponent("paper.sqlite").path, mode: .readWrite)
        let spec = try SweepSpec.shipped(named: "paper")
        let start = Self.now()
        let runner = SweepRunner(
            store: store, jobs: jobs, sweep: spec.name,
            provenance: Provenance.current(kvlabVersion: kvlabVersion, command: "kvlab bench"))
        let planned = try SweepPlanner.plan(
            spec, specText: SweepSpec.shippedText(named: "paper") ?? "", shard: .whole, amend: false, store: store,
            provenance: runner.provenance)
        let result = try await runner.execute(
            try runner.pendingWork(provenanceID: planned.provenanceID), isCancelled: { false })
        let wall = Self.seconds(since: start)
        record(
            "end to end", "kvlab run paper (\(spec.runCount) runs, \(spec.trialCount) trials), \(jobs) workers", "s",
            [wall])
        let compute = result.progress.computeSeconds
        let outside = 1 - compute / (wall * Double(jobs))
        notes.append(
            "end to end: engine compute \(Self.fixed(compute, 1)) worker-s of \(Self.fixed(wall * Double(jobs), 1)) "
                + "available; share outside the engine (store, planning, bookkeeping, idle) "
                + "\(Self.fixed(outside * 100, 1))%")
    }
}
