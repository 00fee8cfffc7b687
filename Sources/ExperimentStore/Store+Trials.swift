import GRDB
import Quantization

extension Store {
    /// Stores trials of a run, idempotently: a trial already stored with the same values is skipped.
    ///
    /// NaN is stored as NULL with the metric's bit set in `nan_mask`; ±Inf as REAL ±Inf. Uses one cached
    /// statement for every row.
    ///
    /// - Parameters:
    ///   - runID: the run.
    ///   - trials: trial indices (0 ..< the run's planned count) and their metrics.
    ///   - provenanceID: the computing process (``recordProvenance(_:in:)``), if recorded.
    ///   - db: a connection inside a write transaction.
    /// - Returns: how many trials were new.
    /// - Throws: ``StoreError/unknownRun(id:)``, ``StoreError/trialOutOfRange(runID:trial:planned:)``,
    ///   ``StoreError/conflictingTrial(runID:trial:metric:stored:new:)`` when a stored trial differs.
    /// - Complexity: O(trials × metrics).
    @discardableResult
    public static func insertTrials(
        runID: Int64, _ trials: [(trial: Int, metrics: MetricValues)], provenanceID: Int64? = nil, in db: Database
    ) throws -> Int {
        guard
            let planned = try Int.fetchOne(
                db, sql: "SELECT trials_planned FROM runs WHERE id = ?", arguments: [runID])
        else { throw StoreError.unknownRun(id: runID) }
        let statement = try db.cachedStatement(sql: trialInsertSQL)
        let metricCount = Metric.allCases.count
        var inserted = 0
        var values: [DatabaseValue] = []
        values.reserveCapacity(4 + metricCount)
        for (trial, metrics) in trials {
            guard trial >= 0, trial < planned else {
                throw StoreError.trialOutOfRange(runID: runID, trial: trial, planned: planned)
            }
            precondition(metrics.values.count == metricCount, "MetricValues must hold every metric")
            var nanMask: Int64 = 0
            values.removeAll(keepingCapacity: true)
            values += [runID.databaseValue, trial.databaseValue, .null, provenanceID?.databaseValue ?? .null]
            for (index, value) in metrics.values.enumerated() {
                if MetricValues.isNotMeasured(value) {
                    values.append(.null)
                } else if value.isNaN {
                    nanMask |= 1 << Int64(index)
                    values.append(.null)
                } else {
                    values.append(value.databaseValue)
                }
            }
            values[2] = nanMask.databaseValue
            statement.setUncheckedArguments(StatementArguments(values))
            try statement.execute()
            if db.changesCount > 0 {
                inserted += 1
            } else {
                try checkSame(runID: runID, trial: trial, metrics: metrics, in: db)
            }
        }
        return inserted
    }

    /// Stores trials of a run in its own write transaction (see ``insertTrials(runID:_:provenanceID:in:)``).
    @discardableResult
    public func insertTrials(
        runID: Int64, _ trials: [(trial: Int, metrics: MetricValues)], provenanceID: Int64? = nil
    ) throws -> Int {
        try write { db in try Store.insertTrials(runID: runID, trials, provenanceID: provenanceID, in: db) }
    }

    /// Throws when a stored trial's values differ from `metrics` (NaN equals NaN; −0.0 equals 0.0).
    private static func checkSame(runID: Int64, trial: Int, metrics: MetricValues, in db: Database) throws {
        guard let stored = try trialValues(runID: runID, trials: trial..<(trial + 1), in: db).first else { return }
        for metric in Metric.allCases {
            let new = metrics[metric]
            let old = stored.values[metric.index] ?? MetricValues.notMeasured
            if old == new
                || (old.isNaN && new.isNaN && MetricValues.isNotMeasured(old) == MetricValues.isNotMeasured(new))
            {
                continue
            }
            throw StoreError.conflictingTrial(
                runID: runID, trial: trial, metric: metric.rawValue, stored: old, new: new)
        }
    }

    /// The stored trials of a run, in trial order.
    ///
    /// - Parameters:
    ///   - runID: the run.
    ///   - db: a connection.
    /// - Returns: each trial with its metrics (NaN where the stored value is NaN, ``MetricValues/notMeasured``
    ///   where none is stored).
    public static func trials(runID: Int64, in db: Database) throws -> [StoredTrial] {
        try trialValues(runID: runID, in: db).map { row in
            var metrics = MetricValues()
            metrics.values = row.values.map { $0 ?? MetricValues.notMeasured }
            return StoredTrial(trial: row.trial, metrics: metrics)
        }
    }

    /// The stored trials of a run, read in its own snapshot (see ``trials(runID:in:)``).
    public func trials(runID: Int64) throws -> [StoredTrial] {
        try read { db in try Store.trials(runID: runID, in: db) }
    }

    /// Raw stored values of a run's trials: nil where not stored, NaN where the NaN bit is set.
    static func trialValues(
        runID: Int64, trials: Range<Int> = 0..<Int.max, in db: Database
    ) throws -> [(trial: Int, values: [Double?])] {
        let columns = Metric.allCases.map(\.rawValue).joined(separator: ", ")
        let statement = try db.cachedStatement(
            sql: """
                SELECT trial, nan_mask, \(columns) FROM trials
                WHERE run_id = ? AND trial >= ? AND trial < ? ORDER BY trial
                """)
        var result: [(trial: Int, values: [Double?])] = []
        let rows = try Row.fetchCursor(statement, arguments: [runID, trials.lowerBound, trials.upperBound])
        while let row = try rows.next() {
            // Decoded with errors, not traps: a damaged file can hold anything in a row (kvlab verify reads it).
            let trial: Int
            let mask: Int64
            var values: [Double?] = []
            do {
                trial = try row.decode(Int.self, atIndex: 0)
                mask = try row.decode(Int64.self, atIndex: 1)
                values.reserveCapacity(Metric.allCases.count)
                for index in Metric.allCases.indices {
                    if let value = try row.decode(Double?.self, atIndex: 2 + index) {
                        values.append(value)
                    } else {
                        values.append((mask >> Int64(index)) & 1 == 1 ? .nan : nil)
                    }
                }
            } catch {
                throw StoreError.inconsistent(
                    "a trial row of run \(runID) cannot be read (\(error)); the file is damaged: run kvlab verify")
            }
            result.append((trial, values))
        }
        return result
    }

    /// `INSERT … ON CONFLICT DO NOTHING` of one trial row: run_id, trial, nan_mask, provenance_id, metrics.
    static let trialInsertSQL: String = {
        let columns = ["run_id", "trial", "nan_mask", "provenance_id"] + Metric.allCases.map(\.rawValue)
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        return """
            INSERT INTO trials (\(columns.joined(separator: ", "))) VALUES (\(placeholders))
            ON CONFLICT (run_id, trial) DO NOTHING
            """
    }()
}
