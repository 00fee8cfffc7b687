import ExperimentStore
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

    /// A queue over a store.
    public init(store: Store, owner: LeaseOwner = .current, sweep: String?, provenanceID: Int64?) {
        self.store = store
        self.owner = owner
        self.sweep = sweep
        self.provenanceID = provenanceID
    }

    public func claim(limit: Int) throws -> [ClaimedRun] {
        try store.write { db in
            let rows = try Store.claimRuns(owner: owner, limit: limit, sweep: sweep, now: Store.now(), in: db)
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

    public func commit(_ results: [TrialResult], completed: [Int64]) throws {
        var byRun: [Int64: [(trial: Int, metrics: MetricValues)]] = [:]
        for r in results { byRun[r.runID, default: []].append((r.trial, r.metrics)) }
        try store.write { db in
            for (runID, trials) in byRun.sorted(by: { $0.key < $1.key }) {
                try Store.insertTrials(runID: runID, trials, provenanceID: provenanceID, in: db)
            }
            for runID in completed {
                try Store.markRunDone(runID: runID, provenanceID: provenanceID, in: db)
            }
            try Store.extendLeases(owner: owner, now: Store.now(), in: db)
        }
    }

    public func fail(runID: Int64, error: String) throws {
        try store.write { db in try Store.failRun(id: runID, error: error, now: Store.now(), in: db) }
    }

    public func releaseLeases() throws {
        try store.write { db in try Store.releaseLeases(owner: owner, in: db) }
    }
}
