import GRDB
import Quantization

extension Store {
    /// Default lease duration in seconds; every commit of the owner extends it.
    public static let leaseSeconds: Double = 120

    /// Returns stale leases to `pending`: leases of dead processes on this host at once, any lease
    /// past its expiry. Stored trials are kept.
    ///
    /// - Parameters:
    ///   - host: this host's name.
    ///   - now: the current time (epoch seconds).
    ///   - db: a connection inside a write transaction.
    /// - Returns: the number of runs reclaimed.
    @discardableResult
    public static func reclaimStaleLeases(host: String, now: Double, in db: Database) throws -> Int {
        var reclaimed = 0
        let local = try Row.fetchAll(
            db, sql: "SELECT id, lease_pid FROM runs WHERE state = 'running' AND lease_host = ?", arguments: [host])
        for row in local {
            let pid: Int32 = row[1] ?? 0
            if !LeaseOwner.isAlive(pid: pid) {
                try db.execute(
                    sql: """
                        UPDATE runs SET state = 'pending', lease_host = NULL, lease_pid = NULL, lease_expires_at = NULL
                        WHERE id = ?
                        """, arguments: [row[0] as Int64])
                reclaimed += db.changesCount
            }
        }
        try db.execute(
            sql: """
                UPDATE runs SET state = 'pending', lease_host = NULL, lease_pid = NULL, lease_expires_at = NULL
                WHERE state = 'running' AND lease_expires_at < ?
                """, arguments: [now])
        reclaimed += db.changesCount
        return reclaimed
    }

    /// Leases up to `limit` claimable runs of the current engine version to `owner` (compare-and-set
    /// inside the caller's `BEGIN IMMEDIATE` transaction, so two processes never lease the same run).
    ///
    /// Runs are ordered by their data switches and seed, so runs that share data are leased together.
    ///
    /// - Parameters:
    ///   - owner: this process.
    ///   - limit: the most runs to lease.
    ///   - sweep: restrict to one sweep's runs (nil: any planned run).
    ///   - now: the current time.
    ///   - db: a connection inside a write transaction.
    /// - Returns: the leased runs with the trials they already have.
    public static func claimRuns(
        owner: LeaseOwner, limit: Int, sweep: String?, now: Double, in db: Database
    ) throws -> [ClaimedRunRow] {
        try reclaimStaleLeases(host: owner.host, now: now, in: db)
        var sql = """
            SELECT r.id, r.config_hash, r.seed, r.trials_planned
            FROM runs AS r JOIN configs AS c ON c.config_hash = r.config_hash
            WHERE r.state = 'pending' AND r.engine_version = ?
            """
        var arguments: StatementArguments = [Engine.version]
        if let sweep {
            sql += """
                 AND r.id IN (SELECT sr.run_id FROM sweep_runs AS sr JOIN sweeps AS s ON s.id = sr.sweep_id
                WHERE s.name = ?)
                """
            _ = arguments.append(contentsOf: [sweep])
        }
        sql += """
             ORDER BY c.distribution, c.rank, c.mixing, c.noise, c.outliers, c.outlier_scale, c.dim, c.tokens,
            c.queries, c.logit_scale, r.seed, c.scheme, c.bits, r.id LIMIT ?
            """
        _ = arguments.append(contentsOf: [limit])
        let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
        var claimed: [ClaimedRunRow] = []
        for row in rows {
            let id: Int64 = row[0]
            try db.execute(
                sql: """
                    UPDATE runs SET state = 'running', lease_host = ?, lease_pid = ?, lease_expires_at = ?,
                    heartbeat_at = ?, attempts = attempts + 1, started_at = coalesce(started_at, ?)
                    WHERE id = ? AND state = 'pending'
                    """,
                arguments: [owner.host, owner.pid, now + leaseSeconds, now, now, id])
            guard db.changesCount == 1 else { continue }
            let stored = try Int.fetchAll(db, sql: "SELECT trial FROM trials WHERE run_id = ?", arguments: [id])
            claimed.append(
                ClaimedRunRow(
                    runID: id, configHash: row[1], seed: row[2], trialsPlanned: row[3], storedTrials: Set(stored)))
        }
        return claimed
    }

    /// Extends every lease of `owner` (a heartbeat).
    public static func extendLeases(owner: LeaseOwner, now: Double, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE runs SET lease_expires_at = ?, heartbeat_at = ?
                WHERE state = 'running' AND lease_host = ? AND lease_pid = ?
                """,
            arguments: [now + leaseSeconds, now, owner.host, owner.pid])
    }

    /// Returns every unfinished lease of `owner` to `pending` (clean stop).
    public static func releaseLeases(owner: LeaseOwner, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE runs SET state = 'pending', lease_host = NULL, lease_pid = NULL, lease_expires_at = NULL
                WHERE state = 'running' AND lease_host = ? AND lease_pid = ?
                """,
            arguments: [owner.host, owner.pid])
    }

    /// Marks a run failed with its error (stored trials are kept; `kvlab retry` sends it back to pending).
    public static func failRun(id: Int64, error: String, now: Double, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE runs SET state = 'failed', error = ?, finished_at = ?, lease_host = NULL, lease_pid = NULL,
                lease_expires_at = NULL WHERE id = ?
                """,
            arguments: [error, now, id])
    }

    /// Sends failed runs (of one sweep, or all) back to pending.
    ///
    /// - Returns: how many runs were reset.
    @discardableResult
    public static func retryFailed(sweep: String?, in db: Database) throws -> Int {
        var sql = "UPDATE runs SET state = 'pending', error = NULL, finished_at = NULL WHERE state = 'failed'"
        var arguments: StatementArguments = []
        if let sweep {
            sql += """
                 AND id IN (SELECT sr.run_id FROM sweep_runs AS sr JOIN sweeps AS s ON s.id = sr.sweep_id
                WHERE s.name = ?)
                """
            arguments = [sweep]
        }
        try db.execute(sql: sql, arguments: arguments)
        return db.changesCount
    }
}
