import GRDB
import Quantization

extension Store {
    /// Default lease duration in seconds; every commit of the owner extends it.
    public static let leaseSeconds: Double = 120

    /// How many attempts a run may have without storing a trial before the next claim marks it failed
    /// instead of leasing it again. An attempt is a process beginning to compute the run
    /// (``beginRuns(ids:in:)``); storing a trial of it resets the count (``recordProgress(runID:in:)``), and
    /// so does leasing a run whose previous lease ended cleanly. So the cap is reached when three processes
    /// in a row died while computing the run (killed, e.g. for memory, or lost with their node) before
    /// storing any of its trials.
    ///
    /// A run reclaimed from a dead or expired lease keeps its `lease_expires_at` while pending: that mark
    /// says its count goes on. Every other way to pending (new, released, extended, retried) has no mark,
    /// so a count written by an older kvlab, which counted every claim, never fails a run.
    public static let maxAttempts = 3

    /// The error stored with a run that reached ``maxAttempts``.
    static let abandonedRunError =
        "claimed \(maxAttempts) times without finishing; the process may be running out of memory"

    /// Returns stale leases to `pending`: leases of dead processes on this host at once, any lease
    /// past its expiry. Stored trials are kept, and so is `lease_expires_at`, which marks the run as
    /// abandoned (its attempts count on; see ``maxAttempts``).
    ///
    /// - Parameters:
    ///   - host: this host's name.
    ///   - now: the current time (epoch seconds).
    ///   - isAlive: whether a pid is a live process on this host (default: ``LeaseOwner/isAlive(pid:)``).
    ///   - db: a connection inside a write transaction.
    /// - Returns: the number of runs reclaimed.
    @discardableResult
    public static func reclaimStaleLeases(
        host: String, now: Double, isAlive: (Int32) -> Bool = { LeaseOwner.isAlive(pid: $0) }, in db: Database
    ) throws -> Int {
        var reclaimed = 0
        let local = try Row.fetchAll(
            db, sql: "SELECT id, lease_pid FROM runs WHERE state = 'running' AND lease_host = ?", arguments: [host])
        for row in local {
            let pid: Int32 = row[1] ?? 0
            if !isAlive(pid) {
                try db.execute(
                    sql: """
                        UPDATE runs SET state = 'pending', lease_host = NULL, lease_pid = NULL WHERE id = ?
                        """, arguments: [row[0] as Int64])
                reclaimed += db.changesCount
            }
        }
        try db.execute(
            sql: """
                UPDATE runs SET state = 'pending', lease_host = NULL, lease_pid = NULL
                WHERE state = 'running' AND lease_expires_at < ?
                """, arguments: [now])
        reclaimed += db.changesCount
        return reclaimed
    }

    /// Leases up to `limit` claimable runs of the current engine version to `owner` (compare-and-set
    /// inside the caller's `BEGIN IMMEDIATE` transaction, so two processes never lease the same run), and
    /// up to `groupSlack` more when the last of them shares its data switches and seed with the runs that
    /// follow: a lease that would end inside such a group takes the rest of it, so that its data are generated
    /// once rather than once per lease.
    ///
    /// Stale leases are reclaimed first (``reclaimStaleLeases(host:now:isAlive:in:)``). An abandoned run
    /// with ``maxAttempts`` attempts is marked failed with ``abandonedRunError`` instead of being leased
    /// again. Runs are ordered by their data switches and seed, so runs that share data are leased
    /// together. Leasing is not an attempt (``beginRuns(ids:in:)`` counts one when the computation starts);
    /// it restarts the count of a run that was not abandoned.
    ///
    /// - Parameters:
    ///   - owner: this process.
    ///   - limit: the most runs to lease, before `groupSlack`.
    ///   - groupSlack: how many more runs the lease may take to finish the last group sharing data.
    ///   - sweep: restrict to one sweep's runs (nil: any planned run).
    ///   - now: the current time.
    ///   - forwardVersion: the model forward pass's version this process computes: model-level runs of other
    ///     versions are not leased (0: no model-level runs).
    ///   - isAlive: whether a pid is a live process on this host (default: ``LeaseOwner/isAlive(pid:)``).
    ///   - db: a connection inside a write transaction.
    /// - Returns: the leased runs with the trials they already have.
    public static func claimRuns(
        owner: LeaseOwner, limit: Int, groupSlack: Int = 0, sweep: String?, now: Double, forwardVersion: Int = 0,
        isAlive: (Int32) -> Bool = { LeaseOwner.isAlive(pid: $0) }, in db: Database
    ) throws -> [ClaimedRunRow] {
        try reclaimStaleLeases(host: owner.host, now: now, isAlive: isAlive, in: db)
        var scope = "r.state = 'pending' AND r.engine_version = ? AND r.forward_version IN (0, ?)"
        var arguments: StatementArguments = [Engine.version, forwardVersion]
        if let sweep {
            scope += """
                 AND r.id IN (SELECT sr.run_id FROM sweep_runs AS sr JOIN sweeps AS s ON s.id = sr.sweep_id
                WHERE s.name = ?)
                """
            _ = arguments.append(contentsOf: [sweep])
        }
        try db.execute(
            sql: """
                UPDATE runs AS r SET state = 'failed', error = ?, finished_at = ?, lease_expires_at = NULL
                WHERE \(scope) AND r.lease_expires_at IS NOT NULL AND r.attempts >= ?
                """,
            arguments: [abandonedRunError, now] + arguments + [maxAttempts])
        // The data columns come first in the order, then the seed: runs that share data are consecutive.
        let group = """
            c.model, c.text, c.distribution, c.rank, c.mixing, c.noise, c.outliers, c.outlier_scale, c.dim, c.tokens,
            c.queries, c.logit_scale, r.seed
            """
        let groupColumns = 13
        let sql = """
            SELECT r.id, r.config_hash, r.seed, r.trials_planned, \(group)
            FROM runs AS r JOIN configs AS c ON c.config_hash = r.config_hash
            WHERE \(scope)
            ORDER BY \(group), c.scheme, c.bits, r.id LIMIT ?
            """
        _ = arguments.append(contentsOf: [limit > 0 ? limit + max(0, groupSlack) : 0])
        var rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
        if limit > 0 && rows.count > limit {
            let groupOf = { (row: Row) in (4..<(4 + groupColumns)).map { row[$0] as DatabaseValue } }
            let last = groupOf(rows[limit - 1])
            var end = limit
            while end < rows.count && groupOf(rows[end]) == last { end += 1 }
            rows.removeSubrange(end...)
        }
        var claimed: [ClaimedRunRow] = []
        for row in rows {
            let id: Int64 = row[0]
            try db.execute(
                sql: """
                    UPDATE runs SET state = 'running', lease_host = ?, lease_pid = ?, lease_expires_at = ?,
                    heartbeat_at = ?, started_at = coalesce(started_at, ?),
                    attempts = CASE WHEN lease_expires_at IS NULL THEN 0 ELSE attempts END
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

    /// Marks a run whose planned trials this process computed done, unless its planned count was raised
    /// meanwhile (a sweep sharing the run planned more trials while it was being computed): then it goes back
    /// to `pending`, its trials kept, so that a later claim computes the new ones. A run that is no longer
    /// leased (`pending`, `failed`) with trials missing is left as it is.
    ///
    /// - Parameters:
    ///   - runID: the run.
    ///   - provenanceID: the writing process, if recorded.
    ///   - db: a connection inside a write transaction.
    /// - Returns: whether the run is done.
    /// - Throws: ``StoreError/unknownRun(id:)``; as ``markRunDone(runID:provenanceID:in:)``.
    @discardableResult
    public static func completeRun(runID: Int64, provenanceID: Int64?, in db: Database) throws -> Bool {
        guard let run = try run(id: runID, in: db) else { throw StoreError.unknownRun(id: runID) }
        if run.state != .done {
            let stored =
                try Int.fetchOne(db, sql: "SELECT count(*) FROM trials WHERE run_id = ?", arguments: [runID]) ?? 0
            if stored < run.trialsPlanned {
                try db.execute(
                    sql: """
                        UPDATE runs SET state = 'pending', lease_host = NULL, lease_pid = NULL, lease_expires_at = NULL
                        WHERE id = ? AND state = 'running'
                        """,
                    arguments: [runID])
                return false
            }
        }
        try markRunDone(runID: runID, provenanceID: provenanceID, in: db)
        return true
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

    /// Counts an attempt for each of these leased runs: a process begins computing them.
    ///
    /// - Parameters:
    ///   - ids: run ids (runs not `running` are left alone).
    ///   - db: a connection inside a write transaction.
    public static func beginRuns(ids: [Int64], in db: Database) throws {
        guard !ids.isEmpty else { return }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        try db.execute(
            sql: "UPDATE runs SET attempts = attempts + 1 WHERE state = 'running' AND id IN (\(marks))",
            arguments: StatementArguments(ids))
    }

    /// Records that trials of a run were stored: its attempts restart at zero, so only attempts that store
    /// nothing count toward ``maxAttempts``.
    public static func recordProgress(runID: Int64, in db: Database) throws {
        try db.execute(sql: "UPDATE runs SET attempts = 0 WHERE id = ? AND attempts <> 0", arguments: [runID])
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

    /// Sends failed runs (of one sweep, or all) back to pending, with their attempts reset.
    ///
    /// - Returns: how many runs were reset.
    @discardableResult
    public static func retryFailed(sweep: String?, in db: Database) throws -> Int {
        var sql = """
            UPDATE runs SET state = 'pending', error = NULL, finished_at = NULL, attempts = 0 WHERE state = 'failed'
            """
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
