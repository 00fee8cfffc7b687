import GRDB

/// One row of the `runs` table.
public struct RunRecord: Sendable, Equatable {
    /// Row id (`runs.id`).
    public var id: Int64
    /// The config.
    public var configHash: String
    /// The seed.
    public var seed: Int
    /// The engine version that computes (computed) its trials.
    public var engineVersion: Int
    /// Trials 0 ..< trialsPlanned make the run complete.
    public var trialsPlanned: Int
    /// Life-cycle state.
    public var state: RunState
    /// Lease owner's host name, while running.
    public var leaseHost: String?
    /// Lease owner's process id, while running.
    public var leasePID: Int?
    /// When the lease expires (Unix epoch seconds).
    public var leaseExpiresAt: Double?
    /// Last heartbeat of the lease owner (Unix epoch seconds).
    public var heartbeatAt: Double?
    /// Attempts since the run last stored a trial: processes that began computing it
    /// (``Store/beginRuns(ids:in:)``); at ``Store/maxAttempts`` the next claim marks the run failed.
    public var attempts: Int
    /// The last failure's message.
    public var error: String?
    /// Content hash of the trial rows (``TrialContentHash``), set when done.
    public var trialsHash: String?
    /// When the run was planned (Unix epoch seconds).
    public var createdAt: Double
    /// When the last attempt started.
    public var startedAt: Double?
    /// When it was marked done.
    public var finishedAt: Double?

    /// The columns ``init(row:)`` reads, in order.
    static let columns = """
        id, config_hash, seed, engine_version, trials_planned, state, lease_host, lease_pid, lease_expires_at,
        heartbeat_at, attempts, error, trials_hash, created_at, started_at, finished_at
        """

    /// Reads a row selected with ``columns``.
    init(row: Row) throws {
        id = row[0]
        configHash = row[1]
        seed = row[2]
        engineVersion = row[3]
        trialsPlanned = row[4]
        let stateText: String = row[5]
        guard let state = RunState(rawValue: stateText) else {
            throw StoreError.inconsistent("run \(id) has unknown state \(stateText)")
        }
        self.state = state
        leaseHost = row[6]
        leasePID = row[7]
        leaseExpiresAt = row[8]
        heartbeatAt = row[9]
        attempts = row[10]
        error = row[11]
        trialsHash = row[12]
        createdAt = row[13]
        startedAt = row[14]
        finishedAt = row[15]
    }
}
