import GRDB
import Quantization

extension Store {
    /// Merges another kvlab database into this one by natural keys (config hash, seed, engine version,
    /// forward version, trial, metric): idempotent and order-independent. A trial stored in both with different values is
    /// reported and the output's value is kept (never overwritten). Runs complete in the output are marked
    /// done (summaries recomputed); sweep records and memberships are merged by sweep name (a new sweep keeps
    /// the input's planning process as its `provenance_id`). The input's
    /// provenance rows are copied (an identical row already in the output is reused) and new runs and
    /// trials keep pointing at the process that computed them. Datasets are copied first, by content hash
    /// (``mergeDatasets(from:into:)``): a name holding different content in the two databases is an error
    /// and nothing of that input is merged.
    ///
    /// - Parameters:
    ///   - input: an open read-only store (a shard).
    ///   - report: accumulates counts and conflicts.
    /// - Throws: database errors.
    public func merge(from input: Store, into report: inout MergeReport) throws {
        // (Callers merging several inputs check them all first with ``checkMergeInput()``.)
        struct InputRun {
            var id: Int64
            var configHash: String
            var seed: Int
            var engineVersion: Int
            var forwardVersion: Int
            var trialsPlanned: Int
            var provenanceID: Int64?
        }
        try mergeDatasets(from: input, into: &report)
        let (configs, runs, sweeps, membership, provenance) = try input.read { db in
            // A shard whose stored trials no longer match their recorded hash (edited, corrupted) must not
            // pass its bad rows on: the output would recompute hashes and summaries from them and verify clean.
            try Store.checkMergeInput(path: input.path, in: db)
            let configs = try String.fetchAll(db, sql: "SELECT config_hash FROM configs").compactMap {
                try Store.config(hash: $0, in: db)
            }
            let runs = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, config_hash, seed, engine_version, forward_version, trials_planned, provenance_id
                    FROM runs ORDER BY id
                    """
            ).map {
                InputRun(
                    id: $0[0], configHash: $0[1], seed: $0[2], engineVersion: $0[3], forwardVersion: $0[4],
                    trialsPlanned: $0[5], provenanceID: $0[6])
            }
            let sweeps = try Row.fetchAll(
                db,
                sql: "SELECT name, spec, spec_hash, trials, description, tags, provenance_id FROM sweeps ORDER BY id")
            let membership = try Row.fetchAll(
                db, sql: "SELECT s.name, sr.run_id FROM sweep_runs sr JOIN sweeps s ON s.id = sr.sweep_id"
            ).map { (name: $0[0] as String, runID: $0[1] as Int64) }
            let provenance = try Row.fetchAll(
                db, sql: "SELECT id, \(Store.provenanceColumns.joined(separator: ", ")) FROM provenance ORDER BY id")
            return (configs, runs, sweeps, membership, provenance)
        }
        report.inputs += 1
        var idMap: [Int64: Int64] = [:]
        var provenanceMap: [Int64: Int64] = [:]
        try write { db in
            for row in provenance {
                provenanceMap[row[0]] = try Store.copyProvenance(row, in: db)
            }
            for config in configs {
                let hash = try config.configHash()
                if try Store.config(hash: hash, in: db) == nil { report.newConfigs += 1 }
                try Store.upsertConfig(config, in: db)
            }
            for run in runs {
                let before = try Store.runID(
                    configHash: run.configHash, seed: run.seed, engineVersion: run.engineVersion,
                    forwardVersion: run.forwardVersion, in: db)
                let id = try Store.ensureRun(
                    configHash: run.configHash, seed: run.seed, trialsPlanned: run.trialsPlanned,
                    engineVersion: run.engineVersion, forwardVersion: run.forwardVersion, in: db)
                if before == nil { report.newRuns += 1 }
                if let source = run.provenanceID, let mapped = provenanceMap[source] {
                    try db.execute(
                        sql: "UPDATE runs SET provenance_id = ? WHERE id = ? AND provenance_id IS NULL",
                        arguments: [mapped, id])
                }
                idMap[run.id] = id
            }
            for sweep in sweeps where try Store.sweep(named: sweep[0], in: db) == nil {
                let planner = (sweep[6] as Int64?).flatMap { provenanceMap[$0] }
                try db.execute(
                    sql: """
                        INSERT INTO sweeps (name, spec, spec_hash, trials, description, tags, created_at, updated_at,
                            provenance_id)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: StatementArguments(
                        (0..<6).map { sweep[$0] as DatabaseValue }
                            + [Store.now().databaseValue, Store.now().databaseValue, planner.databaseValue]))
                try ChecksummedTable.sweeps.seal(id: db.lastInsertedRowID, in: db)
            }
            for m in membership {
                guard let id = idMap[m.runID] else { continue }
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO sweep_runs (sweep_id, run_id)
                        SELECT id, ? FROM sweeps WHERE name = ?
                        """, arguments: [id, m.name])
            }
        }
        for run in runs {
            guard let outID = idMap[run.id] else { continue }
            let (trials, trialProvenance) = try input.read { db in
                let sources = try Row.fetchAll(
                    db, sql: "SELECT trial, provenance_id FROM trials WHERE run_id = ?", arguments: [run.id])
                return (
                    try Store.trials(runID: run.id, in: db),
                    Dictionary(uniqueKeysWithValues: sources.map { ($0[0] as Int, $0[1] as Int64?) })
                )
            }
            try write { db in
                for t in trials {
                    do {
                        let source = trialProvenance[t.trial] ?? nil
                        let added = try Store.insertTrials(
                            runID: outID, [(t.trial, t.metrics)], provenanceID: source.flatMap { provenanceMap[$0] },
                            in: db)
                        if added == 1 { report.newTrials += 1 } else { report.identicalTrials += 1 }
                    } catch StoreError.conflictingTrial(_, let trial, let metric, let stored, let new) {
                        report.conflicts.append(
                            "config \(run.configHash.prefix(12)) seed \(run.seed) trial \(trial): \(metric) is \(stored) "
                                + "in the output but \(new) in \(input.path) (kept \(stored))")
                    }
                }
                let stored = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM trials WHERE run_id = ?", arguments: [outID])
                if let record = try Store.run(id: outID, in: db), record.state != .done,
                    stored == record.trialsPlanned
                {
                    try Store.markRunDone(runID: outID, in: db)
                }
            }
        }
    }
}

extension Store {
    /// Refuses a merge input whose stored trials no longer match their recorded hash (edited or corrupted):
    /// merging would recompute the output's hashes and summaries from the bad rows, and it would verify clean.
    /// Its provenance and sweep rows are checked against their checksums too (``ChecksummedTable``, as
    /// `kvlab verify` does): merge copies them, so a damaged row would pass on unnoticed (a sweep's row is
    /// sealed again in the output, which would hide the damage for good).
    ///
    /// - Throws: ``StoreError/inconsistent(_:)`` naming the input and the first bad run or provenance row.
    public func checkMergeInput() throws {
        try read { db in try Store.checkMergeInput(path: path, in: db) }
    }

    static func checkMergeInput(path: String, in db: Database) throws {
        let advice = "Nothing was merged; run `kvlab verify --db \(path)` and recompute or restore that input"
        if let bad = try firstRunWithChangedTrials(in: db) {
            throw StoreError.inconsistent(
                "\(path): run \(bad.runID)'s trial rows hash to \(bad.computed), not the recorded "
                    + "\(bad.recorded ?? "NULL"): a stored value changed. " + advice)
        }
        var damaged: String?
        for table in [ChecksummedTable.provenance, .sweeps] where damaged == nil {
            try table.problems(in: db) { line in
                damaged = line
                return false
            }
        }
        if let damaged { throw StoreError.inconsistent("\(path): \(damaged). " + advice) }
    }
}
