import Foundation
import GRDB
import Quantization

extension Store {
    /// Checks the whole database in one read snapshot (`kvlab verify`): nothing is written.
    ///
    /// The checks, in order:
    /// - `integrity`: `PRAGMA integrity_check` (SQLite's b-tree, index and constraint checks).
    /// - `foreign_keys`: `PRAGMA foreign_key_check`.
    /// - `migrations`: every recorded migration is one of this build's with the same checksum, none is
    ///   missing, `user_version` is the last one and `application_id` is kvlab's.
    /// - `schema`: every table, index and view has exactly the SQL its migrations create (a damaged schema
    ///   skips the checks below, which read columns by name).
    /// - `configs`: each `canonical_json` hashes to its `config_hash`, is a resolved config in canonical
    ///   form, and the typed switch columns and `nu` equal the values in the JSON.
    /// - `runs`: state invariants — `done` exactly when `trials_hash` is set, a done run has all its planned
    ///   trials and a summary row, a run that is not done has none, no trial at or beyond `trials_planned`.
    /// - `nan_masks`: no `nan_mask` bit marks a stored number as NaN, and no bit is set beyond the metrics.
    /// - `trial_hashes`: each done run's trial rows re-hash (``TrialContentHash``) to `runs.trials_hash`.
    /// - `summaries`: each done run's `run_summaries` row equals a recomputation from its trial rows, bit
    ///   for bit.
    /// - `datasets`: every dataset tensor re-hashes to its recorded SHA-256 and has the manifest's shape, the
    ///   tensors are exactly the manifest's, and the content hash recomputes (``datasetProblems(in:problem:)``).
    /// - `texts`: every stored text's token ids re-hash to its recorded SHA-256.
    /// - `provenance`: every provenance row's `checksum` recomputes (``ChecksummedTable/provenance``); rows
    ///   without one (written before migration 0009) are counted as unchecked, not as problems.
    /// - `sweeps`: the same for every sweep row (``ChecksummedTable/sweeps``, migration 0010): its spec text,
    ///   plan hash, trials, tags and timestamps.
    ///
    /// A check that cannot complete (e.g. SQLite reports the file malformed) records that as a problem and
    /// the next check still runs.
    ///
    /// - Parameter maxDetails: the most problem lines kept per check (the count is always exact).
    /// - Returns: the report.
    /// - Throws: ``StoreError`` when the snapshot cannot be opened at all.
    /// - Complexity: O(pages) for SQLite's checks plus O(trials × metrics) for the content checks.
    public func verify(maxDetails: Int = 20) throws -> VerificationReport {
        // On a file with a damaged page SQLite can fail the read transaction's COMMIT after every check has
        // run and recorded the damage: the report is complete then, and ending a read-only snapshot loses
        // nothing, so it is returned rather than replaced by "database disk image is malformed".
        var completed: VerificationReport?
        do {
            return try read { db in
                completed = Store.runChecks(db, maxDetails: maxDetails)
                return completed!
            }
        } catch {
            if let completed { return completed }
            throw error
        }
    }

    /// Runs every check of ``verify(maxDetails:)`` on a connection.
    private static func runChecks(_ db: Database, maxDetails: Int) -> VerificationReport {
        var checks: [VerificationCheck] = []
        var schemaIntact = true
        for (name, body) in Store.verificationSteps {
            var log = ProblemLog(maxDetails: maxDetails)
            var checked = 0
            var unchecked = 0
            if !schemaIntact, Store.contentChecks.contains(name) {
                // Reading rows by column name traps on a missing column: never read a damaged schema.
                log.add("skipped: the schema is damaged (see the schema check)")
            } else {
                do {
                    (checked, unchecked) = try body(db, &log)
                } catch {
                    log.add("the check could not complete: \(Store.typedError(error).description)")
                }
            }
            if name == "schema", log.count > 0 { schemaIntact = false }
            checks.append(
                VerificationCheck(
                    name: name, checked: checked, unchecked: unchecked, problemCount: log.count,
                    details: log.details))
        }
        return VerificationReport(checks: checks)
    }

    /// Problems found by one check: an exact count and the first few lines.
    private struct ProblemLog {
        let maxDetails: Int
        var count = 0
        var details: [String] = []

        init(maxDetails: Int) { self.maxDetails = maxDetails }

        mutating func add(_ line: String) {
            count += 1
            if details.count < maxDetails { details.append(line) }
        }
    }

    /// The checks, in order: a name and a body returning how many items it examined and how many it could
    /// not check.
    private static var verificationSteps: [(String, (Database, inout ProblemLog) throws -> (Int, Int))] {
        func all(_ body: @escaping (Database, inout ProblemLog) throws -> Int) -> (
            Database, inout ProblemLog
        ) throws -> (Int, Int) {
            { db, log in (try body(db, &log), 0) }
        }
        return [
            ("integrity", all(verifyIntegrity)), ("foreign_keys", all(verifyForeignKeys)),
            ("migrations", all(verifyMigrations)), ("schema", all(verifySchema)),
            ("reference_tables", all(verifyReferenceTables)),
            ("configs", all(verifyConfigs)), ("runs", all(verifyRunStates)), ("nan_masks", all(verifyNaNMasks)),
            ("trial_hashes", all { db, log in try verifyContent(db, &log, summaries: false) }),
            ("summaries", all { db, log in try verifyContent(db, &log, summaries: true) }),
            ("datasets", all { db, log in try datasetProblems(in: db) { log.add($0) } }),
            ("texts", all(verifyTexts)), ("provenance", verifyChecksums(.provenance)),
            ("sweeps", verifyChecksums(.sweeps)),
        ]
    }

    /// The checks that read rows by column name (skipped when the schema check fails).
    private static let contentChecks: Set<String> = [
        "reference_tables", "configs", "runs", "nan_masks", "trial_hashes", "summaries", "datasets", "texts",
        "provenance", "sweeps",
    ]

    /// Recomputes every row checksum of a table (``ChecksummedTable/problems(in:problem:)``).
    ///
    /// - Returns: a check body returning the rows checked and the rows without a checksum (written before
    ///   the migration that added the column).
    private static func verifyChecksums(
        _ table: ChecksummedTable
    ) -> (Database, inout ProblemLog) throws -> (Int, Int) {
        { db, log in
            try table.problems(in: db) { line in
                log.add(line)
                return true
            }
        }
    }

    /// Every stored text's token ids re-hashed against its recorded SHA-256 (the identity model-level
    /// configs refer to).
    private static func verifyTexts(_ db: Database, _ log: inout ProblemLog) throws -> Int {
        let rows = try Row.fetchAll(db, sql: "SELECT name, sha256, token_ids FROM texts ORDER BY name")
        for row in rows {
            let name = (try? row.decode(String.self, atIndex: 0)) ?? "?"
            guard let recorded = try? row.decode(String.self, atIndex: 1),
                let blob = try? row.decode(Data.self, atIndex: 2)
            else {
                log.add("text '\(name)': its row cannot be read")
                continue
            }
            if DatasetMetadata.sha256(tokenIDs: TextRecord.ids(fromBlob: [UInt8](blob))) != recorded {
                log.add("text '\(name)': its token ids do not match their recorded SHA-256 \(recorded)")
            }
        }
        return rows.count
    }

    /// Compares `sqlite_master` (every table, index, view and trigger with its SQL text) with the schema the
    /// recorded migrations create in an empty in-memory database.
    private static func verifySchema(_ db: Database, _ log: inout ProblemLog) throws -> Int {
        let applied = Set(try Migrator.applied(db).map(\.version))
        let expected = try expectedSchema(applied: applied)
        let actual = try schemaObjects(db)
        for problem in try schemaDamage(db, applied: applied) { log.add(problem) }
        for key in actual.keys.sorted() where expected[key] == nil {
            log.add("\(key) is not part of kvlab's schema")
        }
        return actual.count
    }

    /// The schema objects the given migrations create, from an empty in-memory database (``MigrationProduct``).
    static func expectedSchema(applied: Set<Int>) throws -> [String: String] {
        try MigrationProduct.of(applied: applied).schema
    }

    /// kvlab's schema objects that are missing or whose SQL differs from what the applied migrations
    /// create (objects a user added are not damage).
    static func schemaDamage(_ db: Database, applied: Set<Int>) throws -> [String] {
        let expected = try expectedSchema(applied: applied)
        let actual = try schemaObjects(db)
        var problems: [String] = []
        for (key, sql) in expected.sorted(by: { $0.key < $1.key }) {
            guard let stored = actual[key] else {
                problems.append("\(key) is missing")
                continue
            }
            if stored != sql { problems.append("\(key) differs from the schema its migrations create") }
        }
        return problems
    }

    /// `type name` → SQL text of every schema object except SQLite's internal ones.
    static func schemaObjects(_ db: Database) throws -> [String: String] {
        var objects: [String: String] = [:]
        let rows = try Row.fetchAll(
            db, sql: "SELECT type, name, coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        for row in rows {
            let type: String = row[0]
            let name: String = row[1]
            objects["\(type) \(name)"] = row[2]
        }
        return objects
    }

    private static func verifyIntegrity(_ db: Database, _ log: inout ProblemLog) throws -> Int {
        let lines = try String.fetchAll(db, sql: "PRAGMA integrity_check")
        if lines != ["ok"] {
            for line in lines { log.add(line) }
        }
        return try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
    }

    private static func verifyForeignKeys(_ db: Database, _ log: inout ProblemLog) throws -> Int {
        let rows = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
        for row in rows {
            let table: String = row[0]
            let rowid: Int64? = row[1]
            let parent: String = row[2]
            log.add("\(table) row \(rowid.map(String.init) ?? "?") refers to a missing \(parent) row")
        }
        return try Int.fetchOne(
            db,
            sql: """
                SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM trials)
                    + (SELECT count(*) FROM run_summaries) + (SELECT count(*) FROM sweep_runs)
                """) ?? 0
    }

    private static func verifyMigrations(_ db: Database, _ log: inout ProblemLog) throws -> Int {
        let applied = try Migrator.applied(db)
        let known = Dictionary(uniqueKeysWithValues: Migration.all.map { ($0.version, $0) })
        for record in applied {
            guard let migration = known[record.version], migration.name == record.name else {
                log.add("migration \(record.name) (version \(record.version)) is not one of this kvlab's")
                continue
            }
            if migration.sha256 != record.sha256 {
                log.add(
                    "migration \(record.name) was applied with checksum \(record.sha256), this kvlab's is "
                        + migration.sha256)
            }
        }
        let done = Set(applied.map(\.version))
        for migration in Migration.all where !done.contains(migration.version) {
            log.add("migration \(migration.name) is not applied")
        }
        let userVersion = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if let last = applied.last, userVersion != last.version {
            log.add("PRAGMA user_version is \(userVersion), but the last applied migration is \(last.version)")
        }
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        if applicationID != Store.applicationID {
            log.add("PRAGMA application_id is \(applicationID), not kvlab's \(Store.applicationID)")
        }
        return applied.count
    }

    private static func verifyConfigs(_ db: Database, _ log: inout ProblemLog) throws -> Int {
        let switchNames = SwitchRegistry.all.map(\.name)
        let columns = (["config_hash", "canonical_json", "nu"] + switchNames).joined(separator: ", ")
        let rows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM configs ORDER BY config_hash")
        var count = 0
        while let row = try rows.next() {
            count += 1
            let hash: String = row["config_hash"]
            let json: String = row["canonical_json"]
            let short = String(hash.prefix(12))
            if Hex.sha256(json.utf8) != hash {
                log.add("config \(short)…: canonical_json hashes to \(Hex.sha256(json.utf8)), not its config_hash")
            }
            let config: TrialConfig
            do {
                config = try TrialConfig(switchValues: try CanonicalJSON.parse(json))
            } catch {
                log.add("config \(short)…: canonical_json is not a resolved config: \(error.description)")
                continue
            }
            if (try? config.canonicalJSON()) != json {
                log.add("config \(short)…: canonical_json is not in canonical form")
            }
            var expected = config.columnValues
            expected.append(("nu", config.nu.map { .int($0) } ?? .null))
            for (name, value) in expected {
                if name == "scheme", !config.scheme.isShipped {
                    // A declared scheme's name is a label (not in the hash): it must be bound to its recipes.
                    let label: String? = row["scheme"]
                    let bound = try label.flatMap {
                        try Row.fetchOne(
                            db, sql: "SELECT key_recipe, value_recipe FROM schemes WHERE name = ?", arguments: [$0])
                    }
                    if bound?[0] != config.scheme.key.rawValue || bound?[1] != config.scheme.value.rawValue {
                        log.add(
                            "config \(short)…: scheme \(label ?? "NULL") is not bound to (\(config.scheme.recipeText)) "
                                + "in the schemes table")
                    }
                    continue
                }
                let stored: DatabaseValue = row[name]
                if !matches(stored, value) {
                    log.add("config \(short)…: column \(name) holds \(stored), but canonical_json says \(value)")
                }
            }
        }
        return count
    }

    /// True when a stored column value is exactly a switch value (same type and bits).
    private static func matches(_ stored: DatabaseValue, _ value: SwitchValue) -> Bool {
        switch (stored.storage, value) {
        case (.null, .null): return true
        case (.int64(let a), .int(let b)): return a == Int64(b)
        case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern || (a == 0 && b == 0)
        case (.string(let a), .string(let b)): return a == b
        default: return false
        }
    }

    private static func verifyRunStates(_ db: Database, _ log: inout ProblemLog) throws -> Int {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT r.id, r.state, r.trials_planned, r.trials_hash IS NOT NULL,
                    (SELECT count(*) FROM trials AS t WHERE t.run_id = r.id),
                    (SELECT count(*) FROM trials AS t WHERE t.run_id = r.id AND t.trial >= r.trials_planned),
                    EXISTS (SELECT 1 FROM run_summaries AS s WHERE s.run_id = r.id)
                FROM runs AS r ORDER BY r.id
                """)
        var count = 0
        while let row = try rows.next() {
            count += 1
            let id: Int64 = row[0]
            let state: String = row[1]
            let planned: Int = row[2]
            let hashed: Bool = row[3]
            let stored: Int = row[4]
            let beyond: Int = row[5]
            let summarised: Bool = row[6]
            let done = state == RunState.done.rawValue
            if RunState(rawValue: state) == nil { log.add("run \(id): unknown state '\(state)'") }
            if done != hashed {
                log.add("run \(id): state \(state) but trials_hash is \(hashed ? "set" : "NULL")")
            }
            if done, stored != planned {
                log.add("run \(id): done with \(stored) of \(planned) planned trials stored")
            }
            if beyond > 0 {
                log.add("run \(id): \(beyond) trials at or beyond trials_planned (\(planned))")
            }
            if done != summarised {
                log.add("run \(id): state \(state) but \(summarised ? "has" : "lacks") a run_summaries row")
            }
        }
        return count
    }

    private static func verifyNaNMasks(_ db: Database, _ log: inout ProblemLog) throws -> Int {
        let metrics = Metric.allCases
        let conflicts = metrics.map { "((nan_mask >> \($0.index)) & 1 = 1 AND \($0.rawValue) IS NOT NULL)" }
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT run_id, trial, nan_mask FROM trials
                WHERE nan_mask < 0 OR nan_mask >= \(1 << metrics.count) OR \(conflicts.joined(separator: " OR "))
                ORDER BY run_id, trial
                """)
        for row in rows {
            let runID: Int64 = row[0]
            let trial: Int = row[1]
            let mask: Int64 = row[2]
            log.add("run \(runID), trial \(trial): nan_mask \(mask) marks a stored number or an unknown metric as NaN")
        }
        return try Int.fetchOne(db, sql: "SELECT count(*) FROM trials") ?? 0
    }

    /// Compares `metrics` and `t_quantiles` with the rows this kvlab defines (``ReferenceData``): an edited
    /// quantile would silently change every confidence interval, an edited metric row its direction.
    private static func verifyReferenceTables(_ db: Database, _ log: inout ProblemLog) throws -> Int {
        do {
            return try referenceTableProblems(db, beforeWriting: false) { log.add($0) }
        } catch let error as StoreError {
            log.add("metrics: \(error.description)")
            return 0
        }
    }

    /// The reference tables' rows that are not what this kvlab defines: `metrics`, `t_quantiles`
    /// (``ReferenceData``) and the rows the applied migrations insert (``migrationRowProblems(_:problem:)``).
    ///
    /// - Parameters:
    ///   - db: a connection.
    ///   - beforeWriting: true when a writable open is about to bring the tables up to date: a metric row
    ///     that is missing (a metric added since the database was written) or differs only in its
    ///     description (reworded), and a t quantile within 10⁻⁹ relative of this build's (computed by an
    ///     earlier build's routine) are then an upgrade the open writes, not damage; everything else is damage
    ///     that writing would hide (the open would rewrite an edited quantile).
    ///   - problem: called with one line per missing, changed or foreign row.
    /// - Returns: the number of rows checked.
    /// - Throws: ``StoreError/inconsistent(_:)`` when a metric's position differs (``ReferenceData/changes(_:)``).
    static func referenceTableProblems(
        _ db: Database, beforeWriting: Bool, problem: (String) -> Void
    ) throws -> Int {
        let changes = try ReferenceData.changes(db)
        for row in changes.metrics {
            if beforeWriting {
                let stored = try Row.fetchOne(
                    db, sql: "SELECT unit, direction FROM metrics WHERE name = ?", arguments: [row.name])
                guard let stored, stored[0] != row.unit || stored[1] != row.direction else { continue }
            }
            problem("metrics: the row of \(row.name) differs from this kvlab's (unit, direction or description)")
        }
        var stored: [Int64: [DatabaseValue]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT df, q95, q975, q995 FROM t_quantiles") {
            guard let df = Int64.fromDatabaseValue(row[0] as DatabaseValue) else {
                problem("t_quantiles: a row's df is \(row[0] as DatabaseValue), not an integer")
                continue
            }
            if stored[df] != nil { problem("t_quantiles: df \(df) appears twice") }
            stored[df] = (1...3).map { row[$0] as DatabaseValue }
        }
        for row in changes.tQuantiles {
            if let values = stored[row.df] {
                // Earlier builds computed the same quantiles with a less exact routine (up to 3e-11 apart):
                // such rows are an upgrade the open rewrites; a value further off is damage.
                let numbers = values.map { Double.fromDatabaseValue($0) ?? .nan }
                let expected = [row.q95, row.q975, row.q995]
                if beforeWriting, zip(numbers, expected).allSatisfy({ abs($0 - $1) <= 1e-9 * abs($1) }) { continue }
                problem(
                    "t_quantiles: df \(row.df) holds (\(values.map { "\($0)" }.joined(separator: ", "))), expected "
                        + "(\(row.q95), \(row.q975), \(row.q995))")
            } else {
                problem("t_quantiles: df \(row.df) is missing")
            }
        }
        let known = Set(ReferenceData.tQuantileRows.map(\.df))
        for df in stored.keys.sorted() where !known.contains(df) { problem("t_quantiles: df \(df) is not kvlab's") }
        let names = Set(ReferenceData.metricRows.map(\.name))
        for name in try String.fetchAll(db, sql: "SELECT name FROM metrics ORDER BY name") where !names.contains(name) {
            problem("metrics: \(name) is not a metric of this kvlab")
        }
        let defined = try migrationRowProblems(db, problem: problem)
        return stored.count + names.count + defined
    }

    /// Checks the rows the applied migrations insert (e.g. the shipped schemes of 0005): each must be in the
    /// database unchanged. The migrations are run on an empty in-memory database (``MigrationProduct``), so
    /// what is expected is exactly their text; rows added later (declared schemes) are the user's and not
    /// checked here.
    ///
    /// - Parameters:
    ///   - db: the database.
    ///   - problem: called with one line per missing or changed row.
    /// - Returns: the number of rows checked.
    private static func migrationRowProblems(_ db: Database, problem: (String) -> Void) throws -> Int {
        let applied = Set(try Migrator.applied(db).map(\.version))
        let expected = try MigrationProduct.of(applied: applied).tables
        var count = 0
        for table in expected {
            let match = table.columns.map { "\($0.quotedDatabaseIdentifier) IS ?" }.joined(separator: " AND ")
            for values in table.rows {
                count += 1
                let found = try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM \(table.name.quotedDatabaseIdentifier) WHERE \(match)",
                    arguments: StatementArguments(values))
                if found != true {
                    let text = values.map { "\($0)" }.joined(separator: ", ")
                    problem("\(table.name): the row (\(text)) its migrations insert is missing or changed")
                }
            }
        }
        return count
    }

    /// The first done run whose trial rows no longer hash to its recorded `trials_hash`, if any.
    ///
    /// - Parameter db: a connection.
    /// - Returns: the run, the recorded and the recomputed hash.
    static func firstRunWithChangedTrials(in db: Database) throws -> (
        runID: Int64, recorded: String?, computed: String
    )? {
        let runs = try Row.fetchAll(db, sql: "SELECT id, trials_hash FROM runs WHERE state = 'done' ORDER BY id")
        for run in runs {
            let id: Int64 = run[0]
            let recorded: String? = run[1]
            let computed = RunSummary.compute(runID: id, rows: try trialValues(runID: id, in: db)).trialsHash
            if computed != recorded { return (id, recorded, computed) }
        }
        return nil
    }

    /// Recomputes the content hash (or the summaries) of every done run from its trial rows.
    private static func verifyContent(_ db: Database, _ log: inout ProblemLog, summaries: Bool) throws -> Int {
        let runs = try Row.fetchAll(
            db, sql: "SELECT id, trials_hash FROM runs WHERE state = 'done' ORDER BY id")
        for run in runs {
            let id: Int64 = run[0]
            let recorded: String? = run[1]
            let computed = RunSummary.compute(runID: id, rows: try trialValues(runID: id, in: db))
            guard summaries else {
                if computed.trialsHash != recorded {
                    log.add(
                        "run \(id): its trial rows hash to \(computed.trialsHash), not the recorded "
                            + "\(recorded ?? "NULL") (a stored value changed)")
                }
                continue
            }
            let stored: RunSummary?
            do {
                stored = try summary(runID: id, in: db)
            } catch {
                log.add("run \(id): its run_summaries row cannot be read (\(Store.typedError(error).description))")
                continue
            }
            guard let stored else {
                log.add("run \(id): no run_summaries row")
                continue
            }
            if stored.trials != computed.trials {
                log.add("run \(id): trials is stored as \(stored.trials), recomputed \(computed.trials)")
            }
            for (s, c) in zip(stored.metrics, computed.metrics) {
                let name = s.metric.rawValue
                if s.n != c.n { log.add("run \(id): \(name)_n is stored as \(s.n), recomputed \(c.n)") }
                if s.nanCount != c.nanCount {
                    log.add("run \(id): \(name)_nan is stored as \(s.nanCount), recomputed \(c.nanCount)")
                }
                if !same(s.mean, c.mean) {
                    log.add("run \(id): \(name)_mean is stored as \(text(s.mean)), recomputed \(text(c.mean))")
                }
                if !same(s.sd, c.sd) {
                    log.add("run \(id): \(name)_sd is stored as \(text(s.sd)), recomputed \(text(c.sd))")
                }
            }
        }
        return runs.count
    }

    /// Bitwise equality of optional doubles (SQLite stores −0.0 as 0.0, so zeros of either sign are equal).
    private static func same(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let x?, let y?): return x.bitPattern == y.bitPattern || (x == 0 && y == 0)
        default: return false
        }
    }

    private static func text(_ value: Double?) -> String { value.map { "\($0)" } ?? "NULL" }
}
