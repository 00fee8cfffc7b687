import Claims
import ExperimentStore
import Foundation
import Quantization
import Sweeps

extension BenchmarkSuite {
    /// The store: trial rows through the writer, then the shipped claims and an aggregation on a database of
    /// ≥ 1,000,000 trial-metric values shaped like the paper sweep.
    mutating func store() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kvlab-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Trial rows through the real writer path: insert + mark done in one transaction per run.
        let writer = try Store(path: dir.appendingPathComponent("writer.sqlite").path, mode: .readWrite)
        var metrics = MetricValues()
        for (i, m) in Metric.allCases.enumerated() { metrics[m] = 0.001 * Double(i + 1) }
        var seed = 0
        let trialsPerRun = 64
        rate("store", "trial rows through insert+markRunDone (64 per run)", unit: "rows/s") {
            seed += 1
            let runsPerRound = 50
            do {
                try writer.write { db in
                    let hash = try Store.upsertConfig(TrialConfig().resolved, in: db)
                    for r in 0..<runsPerRound {
                        let id = try Store.ensureRun(
                            configHash: hash, seed: seed * 1000 + r, trialsPlanned: trialsPerRun, in: db)
                        try Store.insertTrials(runID: id, (0..<trialsPerRun).map { ($0, metrics) }, in: db)
                        try Store.markRunDone(runID: id, in: db)
                    }
                }
            } catch {
                return 0
            }
            return runsPerRound * trialsPerRun
        }
        // A database of ≥ 1,000,000 trial-metric values shaped like the paper sweep.
        let big = try Store(path: dir.appendingPathComponent("big.sqlite").path, mode: .readWrite)
        let spec = try SweepSpec.shipped(named: "paper").replacingSeeds(Array(1...12))
        let start = Self.now()
        var stream = RandomStream(seed: 7, trial: 0, role: .auxiliary)
        var rows = 0
        try big.write { db in
            for run in spec.runs {
                let hash = try Store.upsertConfig(run.config, in: db)
                let id = try Store.ensureRun(configHash: hash, seed: run.seed, trialsPlanned: spec.trials, in: db)
                let scale = Double(1 << (2 * run.config.bits))
                let schemeFactor = run.config.scheme == .QKQV ? 4.0 : run.config.scheme == .KV ? 1.2 : 1.0
                let trials = (0..<spec.trials).map { t -> (Int, MetricValues) in
                    var m = MetricValues()
                    for metric in Metric.allCases {
                        m[metric] = schemeFactor / scale * (1 + 0.1 * stream.gaussian())
                    }
                    return (t, m)
                }
                try Store.insertTrials(runID: id, trials, in: db)
                try Store.markRunDone(runID: id, in: db)
                rows += spec.trials
            }
        }
        notes.append(
            "store database: \(rows) trial rows × \(Metric.allCases.count) metrics = "
                + "\(rows * Metric.allCases.count) trial-metric values, generated in "
                + "\(Self.fixed(Self.seconds(since: start), 1)) s")
        let claims = try ClaimLoader.load([])
        try duration("store", "claims check, all \(claims.count) shipped claims (≥1M values)", repetitions: 3) {
            _ = try ClaimEvaluator(store: big).evaluate(claims)
        }
        let agg = try AggregationQuery(
            dimensions: ["scheme", "bits", "distribution"], metrics: ["kl"],
            allowedDimensions: ["scheme", "bits", "distribution"])
        try duration("store", "agg kl by scheme × bits × distribution (≥1M values)", repetitions: 3) {
            _ = try big.execute(sql: agg.sql)
        }
    }
}
