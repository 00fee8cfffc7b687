import GRDB
import Quantization

extension Store {
    /// Stores one trial, with its config and run, in one write transaction (for `kvlab trial --record`).
    ///
    /// The run of (config, seed, this engine version) is planned with at least `trial + 1` trials; when
    /// all its planned trials are stored, it is marked done (summaries and content hash).
    ///
    /// - Parameters:
    ///   - config: the resolved config.
    ///   - seed: the seed.
    ///   - trial: the trial index, ≥ 0.
    ///   - metrics: the trial's metrics.
    ///   - provenanceID: the computing process, if recorded.
    ///   - forwardVersion: the model forward pass's version for a model-level config, else 0.
    /// - Returns: what was stored.
    /// - Throws: ``StoreError`` (e.g. ``StoreError/conflictingTrial(runID:trial:metric:stored:new:)``).
    @discardableResult
    public func recordTrial(
        config: TrialConfig, seed: Int, trial: Int, metrics: MetricValues, provenanceID: Int64? = nil,
        forwardVersion: Int = 0
    ) throws -> RecordedTrial {
        guard trial >= 0 else { throw StoreError.invalidConfig("trial must be ≥ 0, not \(trial)") }
        return try write { db in
            let hash = try Store.upsertConfig(config, in: db)
            let runID = try Store.ensureRun(
                configHash: hash, seed: seed, trialsPlanned: trial + 1, forwardVersion: forwardVersion, in: db)
            let inserted = try Store.insertTrials(
                runID: runID, [(trial, metrics)], provenanceID: provenanceID, in: db)
            guard let run = try Store.run(id: runID, in: db) else { throw StoreError.unknownRun(id: runID) }
            var done = run.state == .done
            if !done {
                let stored = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM trials WHERE run_id = ?", arguments: [runID])
                if stored == run.trialsPlanned {
                    try Store.markRunDone(runID: runID, provenanceID: provenanceID, in: db)
                    done = true
                }
            }
            return RecordedTrial(configHash: hash, runID: runID, trial: trial, inserted: inserted == 1, runDone: done)
        }
    }
}
