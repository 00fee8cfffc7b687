import Foundation
import GRDB
import KVLabTestSupport
import Quantization
import Synchronization
import Testing

@testable import ExperimentStore

/// Leases with an injected clock and process table: expiry, heartbeats, the reclaim of a dead owner's runs
/// and the cap on claims without progress, all without sleeping or killing a process.
struct LeaseTests {
    /// A database with `count` pending runs (one config, seeds 1…count, 2 trials each).
    static func store(runs count: Int = 3) throws -> (TemporaryDirectory, Store, [Int64]) {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path(), mode: .readWrite)
        let ids = try store.write { db in
            let hash = try Store.upsertConfig(sampleConfig(), in: db)
            return try (1...count).map { try Store.ensureRun(configHash: hash, seed: $0, trialsPlanned: 2, in: db) }
        }
        return (dir, store, ids)
    }

    static func claim(
        _ store: Store, _ owner: LeaseOwner, at now: Double, limit: Int = 10,
        alive: @escaping (Int32) -> Bool = { _ in true }
    ) throws -> [Int64] {
        try store.write { db in
            try Store.claimRuns(owner: owner, limit: limit, sweep: nil, now: now, isAlive: alive, in: db).map(\.runID)
        }
    }

    static func record(_ store: Store, _ id: Int64) throws -> RunRecord {
        try #require(try store.read { try Store.run(id: id, in: $0) })
    }

    @Test("another host's lease is taken over only once it expires (120 s), and a heartbeat extends it")
    func expiry() throws {
        let (_, store, ids) = try Self.store()
        let remote = LeaseOwner(host: "node-7", pid: 4242)
        let local = LeaseOwner(host: "login-1", pid: 99)
        #expect(try Self.claim(store, remote, at: 1000) == ids)
        #expect(try Self.record(store, ids[0]).leaseExpiresAt == 1000 + Store.leaseSeconds)
        // The remote process's pid means nothing on this host: its liveness is never asked.
        let asked = Mutex<[Int32]>([])
        let alive: (Int32) -> Bool = { pid in
            asked.withLock { $0.append(pid) }
            return false
        }
        #expect(try Self.claim(store, local, at: 1119, alive: alive).isEmpty)
        try store.write { db in try Store.extendLeases(owner: remote, now: 1100, in: db) }
        #expect(try Self.claim(store, local, at: 1219, alive: alive).isEmpty, "the heartbeat at 1100 holds to 1220")
        #expect(try Self.claim(store, local, at: 1221, alive: alive) == ids)
        #expect(asked.withLock { $0.isEmpty })
        let taken = try Self.record(store, ids[0])
        #expect(taken.leaseHost == "login-1" && taken.leasePID == 99 && taken.leaseExpiresAt == 1221 + 120)
    }

    @Test("a dead owner's runs on this host are reclaimed at once; a live owner keeps them")
    func deadOwner() throws {
        let (_, store, ids) = try Self.store()
        let first = LeaseOwner(host: "login-1", pid: 111)
        let second = LeaseOwner(host: "login-1", pid: 222)
        #expect(try Self.claim(store, first, at: 1000) == ids)
        #expect(try Self.claim(store, second, at: 1001, alive: { _ in true }).isEmpty)
        let stale = try store.read { db in
            try Store.sweepStatus(name: nil, now: 1001, host: "login-1", isAlive: { $0 != 111 }, in: db)
        }
        #expect(stale.staleLeases == 3 && stale.running == 3)
        #expect(try Self.claim(store, second, at: 1001, alive: { $0 != 111 }) == ids)
        #expect(try Self.record(store, ids[0]).leasePID == 222)
    }

    @Test("leasing is no attempt, beginning to compute is; a stored trial restarts the count")
    func attemptsCount() throws {
        let (_, store, ids) = try Self.store(runs: 1)
        let owner = LeaseOwner(host: "h", pid: 1)
        _ = try Self.claim(store, owner, at: 1000)
        #expect(try Self.record(store, ids[0]).attempts == 0)
        try store.write { db in try Store.releaseLeases(owner: owner, in: db) }
        _ = try Self.claim(store, owner, at: 1001)
        try store.write { db in try Store.beginRuns(ids: ids, in: db) }
        _ = try Self.claim(store, LeaseOwner(host: "h", pid: 2), at: 1002, alive: { $0 != 1 })
        try store.write { db in try Store.beginRuns(ids: ids, in: db) }
        #expect(try Self.record(store, ids[0]).attempts == 2)
        try store.write { db in
            try Store.insertTrials(runID: ids[0], [(0, sampleMetrics(trial: 0))], in: db)
            try Store.recordProgress(runID: ids[0], in: db)
        }
        #expect(try Self.record(store, ids[0]).attempts == 0)
        // A run that is not leased gets no attempt.
        try store.write { db in try Store.releaseLeases(owner: LeaseOwner(host: "h", pid: 2), in: db) }
        try store.write { db in try Store.beginRuns(ids: ids, in: db) }
        #expect(try Self.record(store, ids[0]).attempts == 0)
    }

    @Test("a clean release restarts the count at the next lease; so does a count left by an older kvlab")
    func cleanReleasesAndOldCounts() throws {
        let (_, store, ids) = try Self.store(runs: 2)
        let owner = LeaseOwner(host: "h", pid: 1)
        _ = try Self.claim(store, owner, at: 1000, limit: 1)
        try store.write { db in try Store.beginRuns(ids: [ids[0]], in: db) }
        try store.write { db in try Store.releaseLeases(owner: owner, in: db) }
        #expect(try Self.record(store, ids[0]).attempts == 1)
        _ = try Self.claim(store, owner, at: 1001, limit: 1)
        #expect(try Self.record(store, ids[0]).attempts == 0)
        try store.write { db in try Store.releaseLeases(owner: owner, in: db) }
        // kvlab before this rule counted every claim: a pending run interrupted 7 times is not failed.
        try store.write { db in try db.execute(sql: "UPDATE runs SET attempts = 7") }
        #expect(try Self.claim(store, owner, at: 1002) == ids)
        #expect(try Self.record(store, ids[0]).attempts == 0 && Self.record(store, ids[1]).attempts == 0)
    }

    @Test("3 processes died computing a run: the next claim fails it and leases the rest")
    func cap() throws {
        let (_, store, ids) = try Self.store()
        // The first run is leased alone and begun by processes 1, 2 and 3, each dead by the next claim.
        for pid in Int32(1)...Int32(Store.maxAttempts) {
            #expect(
                try Self.claim(store, LeaseOwner(host: "h", pid: pid), at: 1000, limit: 1, alive: { $0 >= pid }) == [
                    ids[0]
                ])
            try store.write { db in try Store.beginRuns(ids: [ids[0]], in: db) }
        }
        #expect(try Self.record(store, ids[0]).attempts == Store.maxAttempts)
        let next = LeaseOwner(host: "h", pid: 10)
        #expect(try Self.claim(store, next, at: 2000, alive: { $0 == 10 }) == [ids[1], ids[2]])
        let failed = try Self.record(store, ids[0])
        #expect(failed.state == .failed && failed.leaseHost == nil && failed.finishedAt == 2000)
        #expect(failed.error == "claimed 3 times without finishing; the process may be running out of memory")
        let status = try store.read { db in try Store.sweepStatus(name: nil, now: 2000, host: "h", in: db) }
        #expect(status.failed == 1 && status.errors.map(\.runID) == [ids[0]])

        // kvlab retry: back to pending with its attempts reset, then leased again.
        #expect(try store.write { db in try Store.retryFailed(sweep: nil, in: db) } == 1)
        let retried = try Self.record(store, ids[0])
        #expect(retried.state == .pending && retried.attempts == 0 && retried.error == nil)
        #expect(try Self.claim(store, LeaseOwner(host: "h", pid: 11), at: 2001, alive: { $0 >= 10 }) == [ids[0]])
    }

    @Test("a lease ending inside a group of runs sharing data takes the rest of the group, up to groupSlack more")
    func groupSlack() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path(), mode: .readWrite)
        // Seeds 1 and 2, three schemes each (one group of three runs per seed), then a t3 group for seed 1.
        let groups: [[Int64]] = try store.write { db in
            let planned: [(Distribution, Int)] = [(.gaussian, 1), (.gaussian, 2), (.t3, 1)]
            return try planned.map { distribution, seed in
                try [Scheme.KV, .KQV, .QKQV].map { scheme in
                    let hash = try Store.upsertConfig(sampleConfig(scheme: scheme, distribution: distribution), in: db)
                    return try Store.ensureRun(configHash: hash, seed: seed, trialsPlanned: 2, in: db)
                }
            }
        }
        let owner = LeaseOwner(host: "h", pid: 1)
        func claim(limit: Int, slack: Int) throws -> [Int64] {
            try store.write { db in
                try Store.claimRuns(
                    owner: owner, limit: limit, groupSlack: slack, sweep: nil, now: 1000, isAlive: { _ in true },
                    in: db
                ).map(\.runID)
            }
        }
        // Ends inside the first group: its rest comes too, however large the slack.
        #expect(Set(try claim(limit: 1, slack: 5)) == Set(groups[0]))
        // Two more runs would finish the second group, one is allowed.
        #expect(try claim(limit: 1, slack: 1).count == 2)
        // The last run of the second group ends it: nothing of the third comes along.
        #expect(try claim(limit: 1, slack: 5).count == 1)
        // A limit of 0 leases nothing, whatever the slack.
        #expect(try claim(limit: 0, slack: 5).isEmpty)
        // No slack: exactly the limit.
        #expect(try claim(limit: 2, slack: 0).count == 2)
        #expect(try claim(limit: 5, slack: 5).count == 1)
    }
}
