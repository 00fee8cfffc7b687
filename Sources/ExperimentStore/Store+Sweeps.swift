import GRDB
import Quantization

extension Store {
    /// The stored sweep of a name, if any.
    public static func sweep(named name: String, in db: Database) throws -> SweepRecord? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT id, name, spec, spec_hash FROM sweeps WHERE name = ?", arguments: [name])
        else { return nil }
        return SweepRecord(id: row[0], name: row[1], spec: row[2], specHash: row[3])
    }

    /// Plans a sweep idempotently: upserts its configs, its runs (raising `trials` extends runs) and its
    /// membership, and records the spec. The caller checks a changed plan against ``sweep(named:in:)``.
    ///
    /// The configs are planned in the order of their hashes, so the rows of `configs`, `runs` and their
    /// indexes (keyed by the hash) are appended rather than inserted at random places: a million-run plan then
    /// touches each page once instead of spilling SQLite's page cache on every insert; a config's runs are
    /// written by a few statements, whatever its seed count. The sweep's runs already planned with enough
    /// trials are read once and skipped, so planning a planned sweep again is one pass over the plan with no
    /// query per run.
    ///
    /// - Parameters:
    ///   - name: the sweep name.
    ///   - spec: the spec text.
    ///   - specHash: the plan fingerprint (without trials).
    ///   - runs: the configs to plan, each with its seeds (each config once).
    ///   - trials: trials per run (stored as the sweep's `trials`).
    ///   - description: the spec's description (stored; not part of the plan).
    ///   - tags: the spec's tags (stored as a JSON object, keys sorted; not part of the plan).
    ///   - provenanceID: the planning process, if recorded: the sweep's `provenance_id` (the process that last
    ///     planned it; nil keeps the one stored).
    ///   - forwardVersion: the model forward pass's version, the key of model-level runs beside the engine's.
    ///   - isCancelled: polled every 1024 configs hashed and before each config is planned; when it returns true
    ///     planning stops by throwing `CancellationError` (the caller's transaction then rolls back: nothing of
    ///     the plan is written).
    ///   - db: a connection inside a write transaction.
    /// - Returns: the number of runs that were not planned before.
    @discardableResult
    public static func planSweep(
        name: String, spec: String, specHash: String, runs: [(config: TrialConfig, seeds: [Int])], trials: Int,
        description: String? = nil, tags: [String: String] = [:], provenanceID: Int64?, forwardVersion: Int = 0,
        isCancelled: () -> Bool = { false }, in db: Database
    ) throws -> Int {
        let now = Store.now()
        let sweepID: Int64
        let tagsJSON = tags.isEmpty ? nil : try CanonicalJSON.encode(tags.map { ($0.key, .string($0.value)) })
        if let existing = try sweep(named: name, in: db) {
            sweepID = existing.id
            // Planning rewrites the row and seals it again: a row that no longer matches its checksum would be
            // blessed (a changed created_at or planner would pass verify). Refuse instead.
            guard try ChecksummedTable.sweeps.isIntact(id: sweepID, in: db) else {
                throw StoreError.inconsistent(
                    "sweep '\(name)': its stored row no longer matches its checksum (a value changed), so it is not "
                        + "planned again; run `kvlab verify` for details and restore the database from a copy")
            }
            try db.execute(
                sql: """
                    UPDATE sweeps SET spec = ?, spec_hash = ?, trials = ?, description = ?, tags = ?, updated_at = ?,
                        provenance_id = coalesce(?, provenance_id)
                    WHERE id = ?
                    """,
                arguments: [spec, specHash, trials, description, tagsJSON, now, provenanceID, sweepID])
        } else {
            try db.execute(
                sql: """
                    INSERT INTO sweeps (name, spec, spec_hash, trials, description, tags, created_at, updated_at,
                        provenance_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [name, spec, specHash, trials, description, tagsJSON, now, now, provenanceID])
            sweepID = db.lastInsertedRowID
        }
        try ChecksummedTable.sweeps.seal(id: sweepID, in: db)
        var hashed: [(hash: String, index: Int)] = []
        hashed.reserveCapacity(runs.count)
        var schemes: Set<Scheme> = []
        for (index, run) in runs.enumerated() {
            if index % 1024 == 0, isCancelled() { throw CancellationError() }
            // A declared scheme's name is bound in every plan, even when its runs need nothing (a renamed pair
            // is refused, as when the runs are new).
            if schemes.insert(run.config.scheme).inserted { try registerScheme(run.config.scheme, in: db) }
            hashed.append((try run.config.configHash(), index))
        }
        hashed.sort { $0.hash < $1.hash }
        var ready: [String: Set<PlannedKey>] = [:]
        let members = try Row.fetchCursor(
            db,
            sql: """
                SELECT r.config_hash, r.seed, r.forward_version FROM sweep_runs sr JOIN runs r ON r.id = sr.run_id
                WHERE sr.sweep_id = ? AND r.engine_version = ? AND r.trials_planned >= ?
                """,
            arguments: [sweepID, Engine.version, trials])
        while let row = try members.next() {
            ready[row[0], default: []].insert(PlannedKey(seed: row[1], forward: row[2]))
        }
        // Per config, a few statements whatever its seed count: insert the runs that are new, extend the ones
        // planned with fewer trials (rare: a raised `trials`), and record the sweep's membership.
        let key = "config_hash = ? AND engine_version = ? AND forward_version = ?"
        let seedList = "seed IN (SELECT value FROM json_each(?))"
        let insertRuns = try db.cachedStatement(
            sql: """
                INSERT INTO runs (config_hash, seed, engine_version, forward_version, trials_planned, created_at)
                SELECT ?, value, ?, ?, ?, ? FROM json_each(?) WHERE true ON CONFLICT DO NOTHING
                """)
        let shortRuns = try db.cachedStatement(
            sql: "SELECT seed FROM runs WHERE \(key) AND trials_planned < ? AND \(seedList) ORDER BY seed")
        let addMembers = try db.cachedStatement(
            sql:
                "INSERT OR IGNORE INTO sweep_runs (sweep_id, run_id) SELECT ?, id FROM runs WHERE \(key) AND \(seedList)"
        )
        var added = 0
        for (hash, index) in hashed {
            if isCancelled() { throw CancellationError() }
            let (config, seeds) = runs[index]
            let forward = config.isModelLevel ? forwardVersion : 0
            let done = ready[hash] ?? []
            let missing = seeds.filter { !done.contains(PlannedKey(seed: $0, forward: forward)) }
            guard !missing.isEmpty else { continue }
            try upsertConfig(config, in: db)
            let list = "[" + missing.map(String.init).joined(separator: ",") + "]"
            try insertRuns.execute(arguments: [hash, Engine.version, forward, trials, Store.now(), list])
            added += db.changesCount
            for seed in try Int.fetchAll(shortRuns, arguments: [hash, Engine.version, forward, trials, list]) {
                try ensureRun(configHash: hash, seed: seed, trialsPlanned: trials, forwardVersion: forward, in: db)
            }
            try addMembers.execute(arguments: [sweepID, hash, Engine.version, forward, list])
        }
        return added
    }

    /// How many of a sweep's runs plan each trial count, by trial count (ascending; empty for no sweep).
    public static func trialCounts(sweep name: String, in db: Database) throws -> [(trials: Int, runs: Int)] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT r.trials_planned, count(*) FROM runs AS r
                JOIN sweep_runs AS sr ON sr.run_id = r.id JOIN sweeps AS s ON s.id = sr.sweep_id
                WHERE s.name = ? GROUP BY r.trials_planned ORDER BY r.trials_planned
                """, arguments: [name]
        ).map { (trials: $0[0], runs: $0[1]) }
    }

    /// A planned run of a config: its seed and forward version.
    private struct PlannedKey: Hashable {
        var seed: Int
        var forward: Int
    }

    /// Every sweep's name, in creation order.
    public static func sweepNames(in db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT name FROM sweeps ORDER BY id")
    }

    /// Deletes a sweep's record and membership (runs and trials are kept: they may belong to other
    /// sweeps and are the results).
    ///
    /// - Returns: whether a sweep of that name existed.
    @discardableResult
    public static func removeSweep(named name: String, in db: Database) throws -> Bool {
        try db.execute(sql: "DELETE FROM sweeps WHERE name = ?", arguments: [name])
        return db.changesCount > 0
    }

    /// Run counts by state for one sweep (or, with nil, for all planned runs under the name "(all)").
    ///
    /// - Parameters:
    ///   - name: the sweep, or nil for every planned run.
    ///   - now: the current time (epoch seconds), for expired leases.
    ///   - host: this host's name, for leases of dead processes.
    ///   - isAlive: whether a pid is a live process on this host (default: ``LeaseOwner/isAlive(pid:)``).
    ///   - db: a connection.
    public static func sweepStatus(
        name: String?, now: Double, host: String, isAlive: (Int32) -> Bool = { LeaseOwner.isAlive(pid: $0) },
        in db: Database
    ) throws -> SweepStatus {
        var filter = ""
        var arguments: StatementArguments = []
        if let name {
            filter =
                "WHERE r.id IN (SELECT sr.run_id FROM sweep_runs sr JOIN sweeps s ON s.id = sr.sweep_id WHERE s.name = ?)"
            arguments = [name]
        }
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT
                    coalesce(sum(r.state = 'pending'), 0), coalesce(sum(r.state = 'running'), 0),
                    coalesce(sum(r.state = 'done'), 0), coalesce(sum(r.state = 'failed'), 0),
                    coalesce(sum(r.trials_planned), 0),
                    (SELECT count(*) FROM trials t WHERE t.run_id IN (SELECT r2.id FROM runs r2 \(filter.replacingOccurrences(of: "r.id", with: "r2.id")))),
                    min(r.started_at), max(r.finished_at)
                FROM runs AS r \(filter)
                """,
            arguments: arguments + arguments)
        var status = SweepStatus(
            name: name ?? "(all)", pending: row?[0] ?? 0, running: row?[1] ?? 0, done: row?[2] ?? 0,
            failed: row?[3] ?? 0, staleLeases: 0, trialsStored: row?[5] ?? 0, trialsPlanned: row?[4] ?? 0,
            firstStarted: row?[6], lastFinished: row?[7], errors: [])
        let running = try Row.fetchAll(
            db,
            sql:
                "SELECT r.lease_host, r.lease_pid, r.lease_expires_at FROM runs r \(filter.isEmpty ? "WHERE" : filter + " AND") r.state = 'running'",
            arguments: arguments)
        status.staleLeases =
            running.filter { row in
                let expires: Double = row[2] ?? 0
                let leaseHost: String? = row[0]
                let pid: Int32 = row[1] ?? 0
                return expires < now || (leaseHost == host && !isAlive(pid))
            }.count
        let failed = try Row.fetchAll(
            db,
            sql:
                "SELECT r.id, coalesce(r.error, '') FROM runs r \(filter.isEmpty ? "WHERE" : filter + " AND") r.state = 'failed' ORDER BY r.id LIMIT 10",
            arguments: arguments)
        status.errors = failed.map { ($0[0], $0[1]) }
        if let name {
            let members = "runs r JOIN sweep_runs sr ON sr.run_id = r.id JOIN sweeps s ON s.id = sr.sweep_id"
            let sweep = try Row.fetchOne(
                db,
                sql: "SELECT coalesce(s.trials, (SELECT min(r.trials_planned) FROM \(members) WHERE s.name = ?)), "
                    + "s.description FROM sweeps s WHERE s.name = ?",
                arguments: [name, name])
            status.description = sweep?[1]
            if let planned: Int = sweep?[0] {
                status.trialsPerRun = planned
                let other = "FROM \(members) WHERE s.name = ? AND r.trials_planned <> ?"
                status.otherTrialCountRuns =
                    try Int.fetchOne(db, sql: "SELECT count(*) \(other)", arguments: [name, planned]) ?? 0
                status.otherTrialCounts = try Row.fetchAll(
                    db, sql: "SELECT r.id, r.trials_planned \(other) ORDER BY r.id LIMIT 10",
                    arguments: [name, planned]
                ).map { ($0[0], $0[1]) }
            }
        }
        return status
    }
}
