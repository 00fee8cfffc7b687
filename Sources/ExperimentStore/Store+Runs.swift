import GRDB
import Quantization

extension Store {
    /// Plans a run of (config, seed, engine version, forward version), idempotently.
    ///
    /// A new run is `pending`. For an existing run, a larger `trialsPlanned` raises its planned count
    /// (stored trials are kept; a `done` run goes back to `pending` and loses its summaries); an equal or
    /// smaller one changes nothing.
    ///
    /// - Parameters:
    ///   - configHash: a stored config's hash.
    ///   - seed: the run's seed.
    ///   - trialsPlanned: the number of trials (0 ..< trialsPlanned) that make it complete, ≥ 0.
    ///   - engineVersion: the engine version computing it (default: this build's).
    ///   - forwardVersion: the model forward pass's version for a model-level run, 0 for the others.
    ///   - db: a connection inside a write transaction.
    /// - Returns: the run id.
    /// - Throws: ``StoreError/unknownConfig(hash:)``; ``StoreError/invalidConfig(_:)`` for a negative count.
    @discardableResult
    public static func ensureRun(
        configHash: String, seed: Int, trialsPlanned: Int, engineVersion: Int = Engine.version,
        forwardVersion: Int = 0, in db: Database
    ) throws -> Int64 {
        guard trialsPlanned >= 0 else { throw StoreError.invalidConfig("trials must be ≥ 0, not \(trialsPlanned)") }
        // Cached statements: planning calls this once per run of a sweep (up to a million).
        let existing = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT id, trials_planned, state FROM runs
                    WHERE config_hash = ? AND engine_version = ? AND forward_version = ? AND seed = ?
                    """),
            arguments: [configHash, engineVersion, forwardVersion, seed])
        guard let existing else {
            guard
                try Bool.fetchOne(
                    db.cachedStatement(sql: "SELECT 1 FROM configs WHERE config_hash = ?"), arguments: [configHash])
                    != nil
            else { throw StoreError.unknownConfig(hash: configHash) }
            try db.cachedStatement(
                sql: """
                    INSERT INTO runs (config_hash, seed, engine_version, forward_version, trials_planned, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [configHash, seed, engineVersion, forwardVersion, trialsPlanned, Store.now()])
            return db.lastInsertedRowID
        }
        let id: Int64 = existing[0]
        let planned: Int = existing[1]
        let state: String = existing[2]
        guard trialsPlanned > planned else { return id }
        if state == RunState.done.rawValue {
            // Extending a run re-hashes all its rows: rows that no longer match the recorded hash (edited,
            // corrupted) would be blessed. Refuse instead.
            let recorded = try String.fetchOne(db, sql: "SELECT trials_hash FROM runs WHERE id = ?", arguments: [id])
            let computed = RunSummary.compute(runID: id, rows: try trialValues(runID: id, in: db)).trialsHash
            guard computed == recorded else {
                throw StoreError.inconsistent(
                    "run \(id): its stored trial rows no longer match their recorded hash, so it is not extended "
                        + "to \(trialsPlanned) trials; run `kvlab verify` for details and restore the database from a copy"
                )
            }
            try db.execute(sql: "DELETE FROM run_summaries WHERE run_id = ?", arguments: [id])
            try db.execute(
                sql: """
                    UPDATE runs SET trials_planned = ?, state = 'pending', trials_hash = NULL, finished_at = NULL
                    WHERE id = ?
                    """,
                arguments: [trialsPlanned, id])
        } else {
            try db.execute(sql: "UPDATE runs SET trials_planned = ? WHERE id = ?", arguments: [trialsPlanned, id])
        }
        return id
    }

    /// Plans a run idempotently, in its own write transaction.
    ///
    /// See ``ensureRun(configHash:seed:trialsPlanned:engineVersion:forwardVersion:in:)``.
    @discardableResult
    public func ensureRun(
        configHash: String, seed: Int, trialsPlanned: Int, engineVersion: Int = Engine.version, forwardVersion: Int = 0
    ) throws -> Int64 {
        try write { db in
            try Store.ensureRun(
                configHash: configHash, seed: seed, trialsPlanned: trialsPlanned, engineVersion: engineVersion,
                forwardVersion: forwardVersion, in: db)
        }
    }

    /// The id of the run of (config, seed, engine version), if planned.
    ///
    /// - Parameters:
    ///   - configHash: the config.
    ///   - seed: the seed.
    ///   - engineVersion: the engine version (default: this build's).
    ///   - forwardVersion: the forward pass's version (model-level runs; 0 for the others).
    ///   - db: a connection.
    public static func runID(
        configHash: String, seed: Int, engineVersion: Int = Engine.version, forwardVersion: Int = 0, in db: Database
    ) throws -> Int64? {
        try Int64.fetchOne(
            db.cachedStatement(
                sql:
                    "SELECT id FROM runs WHERE config_hash = ? AND engine_version = ? AND forward_version = ? AND seed = ?"
            ),
            arguments: [configHash, engineVersion, forwardVersion, seed])
    }

    /// How many of a config's runs with the given seeds are done with at least `trials` planned trials.
    ///
    /// - Parameters:
    ///   - configHash: the config.
    ///   - seeds: the seeds.
    ///   - trials: the trial count a run must plan.
    ///   - forwardVersion: the forward pass's version (model-level runs; 0 for the others).
    ///   - db: a connection.
    public static func doneRunCount(
        configHash: String, seeds: [Int], trials: Int, forwardVersion: Int = 0, in db: Database
    ) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT count(*) FROM runs WHERE config_hash = ? AND engine_version = ? AND forward_version = ?
                    AND state = 'done' AND trials_planned >= ? AND seed IN (SELECT value FROM json_each(?))
                    """),
            arguments: [
                configHash, Engine.version, forwardVersion, trials,
                "[" + seeds.map(String.init).joined(separator: ",") + "]",
            ]) ?? 0
    }

    /// One run's row.
    ///
    /// - Parameters:
    ///   - id: the run id.
    ///   - db: a connection.
    /// - Returns: the run, or nil when there is none with this id.
    public static func run(id: Int64, in db: Database) throws -> RunRecord? {
        try Row.fetchOne(db, sql: "SELECT \(RunRecord.columns) FROM runs WHERE id = ?", arguments: [id])
            .map { try RunRecord(row: $0) }
    }

    /// One run's row, read in its own snapshot.
    public func run(id: Int64) throws -> RunRecord? {
        try read { db in try Store.run(id: id, in: db) }
    }

    /// Marks a complete run done: computes its summaries and the content hash of its trial rows, and writes
    /// them with `state = 'done'` in the caller's transaction. Clears the lease and the error.
    ///
    /// Idempotent: for a run already done whose rows still hash to the recorded hash, nothing is written.
    ///
    /// - Parameters:
    ///   - runID: the run.
    ///   - provenanceID: the writing process (``recordProvenance(_:in:)``), if recorded.
    ///   - db: a connection inside a write transaction.
    /// - Returns: the summary.
    /// - Throws: ``StoreError/unknownRun(id:)``; ``StoreError/incompleteRun(runID:stored:planned:)`` when a
    ///   planned trial is missing; ``StoreError/inconsistent(_:)`` when a done run's rows no longer match its
    ///   hash.
    @discardableResult
    public static func markRunDone(runID: Int64, provenanceID: Int64? = nil, in db: Database) throws -> RunSummary {
        guard let run = try run(id: runID, in: db) else { throw StoreError.unknownRun(id: runID) }
        let rows = try trialValues(runID: runID, in: db)
        guard rows.count == run.trialsPlanned else {
            throw StoreError.incompleteRun(runID: runID, stored: rows.count, planned: run.trialsPlanned)
        }
        let summary = RunSummary.compute(runID: runID, rows: rows)
        if run.state == .done {
            guard run.trialsHash == summary.trialsHash else {
                throw StoreError.inconsistent(
                    "run \(runID): its trial rows hash to \(summary.trialsHash), not the recorded "
                        + "\(run.trialsHash ?? "NULL")")
            }
            return summary
        }
        var values: [DatabaseValue] = [runID.databaseValue, summary.trials.databaseValue]
        for m in summary.metrics {
            values += [
                m.n.databaseValue, m.nanCount.databaseValue, m.mean?.databaseValue ?? .null,
                m.sd?.databaseValue ?? .null,
            ]
        }
        try db.cachedStatement(sql: summaryInsertSQL).execute(arguments: StatementArguments(values))
        try db.execute(
            sql: """
                UPDATE runs SET state = 'done', trials_hash = ?, finished_at = ?, lease_host = NULL,
                    lease_pid = NULL, lease_expires_at = NULL, error = NULL,
                    provenance_id = coalesce(?, provenance_id)
                WHERE id = ?
                """,
            arguments: [summary.trialsHash, Store.now(), provenanceID, runID])
        return summary
    }

    /// Marks a complete run done in its own write transaction (see ``markRunDone(runID:provenanceID:in:)``).
    @discardableResult
    public func markRunDone(runID: Int64, provenanceID: Int64? = nil) throws -> RunSummary {
        try write { db in try Store.markRunDone(runID: runID, provenanceID: provenanceID, in: db) }
    }

    /// The stored summary of a done run, or nil when the run is not done.
    ///
    /// - Parameters:
    ///   - runID: the run.
    ///   - db: a connection.
    public static func summary(runID: Int64, in db: Database) throws -> RunSummary? {
        guard
            let hash = try String.fetchOne(
                db, sql: "SELECT trials_hash FROM runs WHERE id = ? AND state = 'done'", arguments: [runID]),
            let row = try Row.fetchOne(db, sql: "SELECT * FROM run_summaries WHERE run_id = ?", arguments: [runID])
        else { return nil }
        // Decoded with errors, not subscripts: a damaged row (a NULL or a text where a number belongs) is an
        // error to report, never a trap.
        let metrics = try Metric.allCases.map { metric in
            let name = metric.rawValue
            return MetricSummary(
                metric: metric, n: try row.decode(Int.self, forColumn: "\(name)_n"),
                nanCount: try row.decode(Int.self, forColumn: "\(name)_nan"),
                mean: try row.decode(Double?.self, forColumn: "\(name)_mean"),
                sd: try row.decode(Double?.self, forColumn: "\(name)_sd"))
        }
        return RunSummary(
            runID: runID, trials: try row.decode(Int.self, forColumn: "trials"), trialsHash: hash, metrics: metrics)
    }

    /// The stored summary of a done run, read in its own snapshot.
    public func summary(runID: Int64) throws -> RunSummary? {
        try read { db in try Store.summary(runID: runID, in: db) }
    }

    /// `INSERT OR REPLACE` of one `run_summaries` row: run_id, trials, then n, nan, mean, sd per metric.
    static let summaryInsertSQL: String = {
        let columns =
            ["run_id", "trials"]
            + Metric.allCases.flatMap { m in ["_n", "_nan", "_mean", "_sd"].map { m.rawValue + $0 } }
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        return "INSERT OR REPLACE INTO run_summaries (\(columns.joined(separator: ", "))) VALUES (\(placeholders))"
    }()
}
