import ExperimentStore
import Foundation
import KVLabTestSupport
import Quantization
import Synchronization
import Testing

@testable import Sweeps

/// ``SweepRunner`` on a real store with an injected lease clock and data source: failed computations,
/// the cap on claims without progress, `retry`, and a final database equal to a clean run.
@Suite("SweepRunner: failures and retries on a store")
struct SweepRunnerTests {
    static let spec = """
        name: failing
        seeds: 2
        trials: 2
        fixed: {dim: 16, tokens: 32, queries: 4}
        grid:
          scheme: [KV, KQV]
          distribution: [gaussian, t3]
        """

    /// A store with the spec planned.
    static func planned(_ dir: TemporaryDirectory, _ name: String) throws -> Store {
        let store = try Store(path: dir.path(name), mode: .readWrite)
        let spec = try SweepSpec.parse(text: Self.spec, source: "failing.yaml")
        _ = try SweepPlanner.plan(
            spec, specText: Self.spec, shard: .whole, amend: false, store: store, provenance: nil)
        return store
    }

    static func runner(
        _ store: Store, now: Double = 1000,
        dataSource: @escaping @Sendable (DataKey) -> any TrialDataSource = {
            SyntheticSource(key: $0)
        }
    ) -> SweepRunner {
        SweepRunner(
            store: store, jobs: 2, sweep: "failing", provenance: Provenance.current(kvlabVersion: "test"),
            environment: LeaseEnvironment(now: { now }, isAlive: { _ in true }), dataSource: dataSource)
    }

    /// Every stored trial as (config hash, seed, trial) → metric bit patterns.
    static func trials(_ store: Store) throws -> [String: [UInt64]] {
        var out: [String: [UInt64]] = [:]
        for row in try store.execute(sql: "SELECT id, config_hash, seed FROM runs").rows {
            guard case .integer(let id) = row[0], case .text(let hash) = row[1], case .integer(let seed) = row[2] else {
                continue
            }
            for t in try store.trials(runID: id) {
                out["\(hash)/\(seed)/\(t.trial)"] = t.metrics.values.map(\.bitPattern)
            }
        }
        return out
    }

    struct Unreadable: Error, CustomStringConvertible {
        var description: String { "stored inputs unreadable" }
    }

    /// Synthetic data, except that t3 data cannot be produced.
    struct NoT3: TrialDataSource {
        let key: DataKey
        var logitScale: Double { key.logitScale }
        func trialData(seed: Int, trial: Int) throws -> TrialData {
            if key.distribution == .t3 { throw Unreadable() }
            return TrialData.generate(key, seed: seed, trial: trial)
        }
    }

    @Test("a run whose computation throws is failed with the error; retry and a good source complete the sweep")
    func failedComputation() async throws {
        let dir = try TemporaryDirectory()
        let clean = try Self.planned(dir, "clean.sqlite")
        let reference = try await Self.runner(clean).execute(
            try Self.runner(clean).pendingWork(), isCancelled: { false })
        #expect(reference.status.done == 8 && reference.status.failed == 0)

        let store = try Self.planned(dir, "failing.sqlite")
        let runner = Self.runner(store, dataSource: { NoT3(key: $0) })
        let result = try await runner.execute(try runner.pendingWork(), isCancelled: { false })
        #expect(result.outcome == .finished)
        #expect(result.progress.runsFailed == 4 && result.progress.runsDone == 4)
        #expect(result.status.failed == 4 && result.status.done == 4 && result.status.running == 0)
        #expect(
            result.status.errors.count == 4
                && result.status.errors.allSatisfy { $0.message == "stored inputs unreadable" })

        #expect(try store.write { db in try Store.retryFailed(sweep: "failing", in: db) } == 4)
        let again = try await Self.runner(store).execute(try Self.runner(store).pendingWork(), isCancelled: { false })
        #expect(again.status.done == 8 && again.status.failed == 0)
        #expect(try Self.trials(store) == Self.trials(clean))
    }

    @Test("a run 3 processes died computing is failed on the next claim; the sweep goes on")
    func abandonedRun() async throws {
        let dir = try TemporaryDirectory()
        let store = try Self.planned(dir, "abandoned.sqlite")
        // Three processes of this host leased the first run in claim order, began computing it and died
        // before storing a trial.
        var leased: [Int64] = []
        for pid in Int32(1)...3 {
            let claimed = try store.write { db in
                try Store.claimRuns(
                    owner: LeaseOwner(host: LeaseOwner.hostName(), pid: 100_000 + pid), limit: 1, sweep: "failing",
                    now: 1000, isAlive: { _ in false }, in: db)
            }
            try store.write { db in try Store.beginRuns(ids: claimed.map(\.runID), in: db) }
            leased += claimed.map(\.runID)
        }
        let first = try #require(leased.first)
        #expect(leased == [first, first, first])
        let runner = SweepRunner(
            store: store, jobs: 2, sweep: "failing", provenance: Provenance.current(kvlabVersion: "test"),
            environment: LeaseEnvironment(now: { 1001 }, isAlive: { $0 < 100_000 }))
        let result = try await runner.execute(try runner.pendingWork(), isCancelled: { false })
        #expect(result.outcome == .finished)
        #expect(result.status.done == 7 && result.status.failed == 1)
        #expect(
            result.status.errors.map(\.message) == [
                "claimed 3 times without finishing; the process may be running out of memory"
            ])
        #expect(result.status.errors.map(\.runID) == [first])
    }
}
