import ExperimentStore
import Models
import Quantization

/// ``RunQueue`` over the experiment store: leases with compare-and-set in short `BEGIN IMMEDIATE`
/// transactions, one transaction per committed batch (trials + done flags + summaries + heartbeat).
public struct StoreRunQueue: RunQueue {
    /// The store.
    public let store: Store
    /// This process.
    public let owner: LeaseOwner
    /// Restrict to one sweep (nil: all planned work).
    public let sweep: String?
    /// The provenance row of this process.
    public let provenanceID: Int64?
    /// The clock and process-liveness check of the leases.
    public let environment: LeaseEnvironment

    /// A queue over a store.
    ///
    /// - Parameters:
    ///   - store: a store opened read-write.
    ///   - owner: the process that holds the leases (default: this one).
    ///   - sweep: restrict to one sweep's runs (nil: all planned work).
    ///   - provenanceID: the provenance row recorded with stored trials and done runs.
    ///   - environment: the clock and liveness check (default: the system's).
    public init(
        store: Store, owner: LeaseOwner = .current, sweep: String?, provenanceID: Int64?,
        environment: LeaseEnvironment = .system
    ) {
        self.store = store
        self.owner = owner
        self.sweep = sweep
        self.provenanceID = provenanceID
        self.environment = environment
    }

    /// Leases up to `limit` runs, and up to `limit` more to finish the last group of runs that share data
    /// (``Store/claimRuns(owner:limit:groupSlack:sweep:now:forwardVersion:isAlive:in:)``): stale leases are
    /// reclaimed first, and runs with ``Store/maxAttempts`` attempts without progress are marked failed.
    public func claim(limit: Int) throws -> [ClaimedRun] {
        try store.write { db in
            let rows = try Store.claimRuns(
                owner: owner, limit: limit, groupSlack: limit, sweep: sweep, now: environment.now(),
                forwardVersion: Models.forwardVersion,
                isAlive: environment.isAlive, in: db)
            return try rows.map { row in
                guard let config = try Store.config(hash: row.configHash, in: db) else {
                    throw StoreError.unknownConfig(hash: row.configHash)
                }
                return ClaimedRun(
                    runID: row.runID, config: config, seed: row.seed, trialsPlanned: row.trialsPlanned,
                    storedTrials: row.storedTrials)
            }
        }
    }

    /// Counts an attempt for each run (``Store/beginRuns(ids:in:)``), in one short transaction.
    public func begin(_ runIDs: [Int64]) throws {
        try store.write { db in try Store.beginRuns(ids: runIDs, in: db) }
    }

    /// Stores the trials, marks `completed` runs done and extends this process's leases, in one
    /// transaction; a run that stored trials has its attempts reset (``Store/recordProgress(runID:in:)``).
    /// A completed run whose planned count another plan raised meanwhile goes back to pending
    /// (``Store/completeRun(runID:provenanceID:in:)``).
    ///
    /// - Returns: how many runs were marked done.
    @discardableResult
    public func commit(_ results: [TrialResult], completed: [Int64]) throws -> Int {
        var byRun: [Int64: [(trial: Int, metrics: MetricValues)]] = [:]
        for r in results { byRun[r.runID, default: []].append((r.trial, r.metrics)) }
        return try store.write { db in
            for (runID, trials) in byRun.sorted(by: { $0.key < $1.key }) {
                try Store.insertTrials(runID: runID, trials, provenanceID: provenanceID, in: db)
                try Store.recordProgress(runID: runID, in: db)
            }
            var done = 0
            for runID in completed where try Store.completeRun(runID: runID, provenanceID: provenanceID, in: db) {
                done += 1
            }
            try Store.extendLeases(owner: owner, now: environment.now(), in: db)
            return done
        }
    }

    /// Marks a run failed with its error (its stored trials are kept).
    public func fail(runID: Int64, error: String) throws {
        try store.write { db in try Store.failRun(id: runID, error: error, now: environment.now(), in: db) }
    }

    /// Returns this process's unfinished leases to pending.
    public func releaseLeases() throws {
        try store.write { db in try Store.releaseLeases(owner: owner, in: db) }
    }
}
