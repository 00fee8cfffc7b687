import ExperimentStore
import Foundation
import KVLabTestSupport
import Quantization
import Synchronization
import Testing

@testable import Sweeps

/// Two sweeps sharing runs with different `trials` (issue 20 items 7 and 12): the shared runs end with the
/// larger count, and the sweep that planned fewer says which of its runs hold more.
@Suite("Sweeps sharing runs with different trial counts")
struct SharedRunTests {
    static func spec(name: String, trials: Int) -> String {
        """
        name: \(name)
        seeds: 2
        trials: \(trials)
        fixed: {dim: 16, tokens: 32, queries: 4}
        grid:
          scheme: [KV, KQV]
          distribution: [gaussian, t3]
        """
    }

    static func plan(_ store: Store, name: String, trials: Int) throws {
        let text = spec(name: name, trials: trials)
        _ = try SweepPlanner.plan(
            try SweepSpec.parse(text: text, source: "\(name).yaml"), specText: text, shard: .whole, amend: false,
            store: store, provenance: nil)
    }

    /// An action run once, by whichever caller comes first.
    final class Once: Sendable {
        private let action: Mutex<(@Sendable () throws -> Void)?>
        init(_ action: @escaping @Sendable () throws -> Void) { self.action = Mutex(action) }
        func run() throws {
            let action = self.action.withLock { a -> (@Sendable () throws -> Void)? in
                defer { a = nil }
                return a
            }
            try action?()
        }
    }

    /// Synthetic data; the first request runs an action first (another process planning meanwhile).
    struct Interrupting: TrialDataSource {
        let key: DataKey
        let once: Once
        var logitScale: Double { key.logitScale }
        func trialData(seed: Int, trial: Int) throws -> TrialData {
            try once.run()
            return TrialData.generate(key, seed: seed, trial: trial)
        }
    }

    @Test(
        "a sweep raising the trials of runs another process is computing: both finish, the runs hold the larger count")
    func raisedWhileComputing() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path("shared.sqlite"), mode: .readWrite)
        try Self.plan(store, name: "few", trials: 2)
        // Every run of `few` is leased with 2 planned trials before the first is computed; then `many` plans
        // the same runs with 5. Before the fix, marking the first run done threw "2 of 5 planned trials".
        let once = Once { try Self.plan(store, name: "many", trials: 5) }
        let runner = SweepRunner(
            store: store, jobs: 2, sweep: "few", provenance: Provenance.current(kvlabVersion: "test"),
            dataSource: { Interrupting(key: $0, once: once) })
        let result = try await runner.execute(try runner.pendingWork(), isCancelled: { false })
        #expect(result.outcome == .finished)
        #expect(result.status.done == 8 && result.status.failed == 0 && result.status.pending == 0)
        #expect(result.status.trialsStored == 40)
        #expect(result.progress.runsDone == 8)
        #expect(try store.verify().isClean)

        let few = try store.read { db in try Store.sweepStatus(name: "few", now: 0, host: "h", in: db) }
        #expect(few.trialsPerRun == 2 && few.otherTrialCountRuns == 8)
        let ids = try store.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM runs ORDER BY id LIMIT 10") }
        #expect(few.otherTrialCounts.map(\.runID) == ids && few.otherTrialCounts.allSatisfy { $0.trials == 5 })
        #expect(
            few.otherTrialCountsSummary?.hasPrefix("8 of 8 runs hold another trial count than the sweep's 2: ") == true)
        let many = try store.read { db in try Store.sweepStatus(name: "many", now: 0, host: "h", in: db) }
        #expect(many.trialsPerRun == 5 && many.otherTrialCountRuns == 0 && many.otherTrialCountsSummary == nil)
    }

    @Test("completing a run whose planned count was raised returns it to pending with its trials")
    func completeRaisedRun() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path("complete.sqlite"), mode: .readWrite)
        try Self.plan(store, name: "few", trials: 1)
        let owner = LeaseOwner(host: "h", pid: 1)
        let claimed = try store.write { db in
            try Store.claimRuns(owner: owner, limit: 1, sweep: "few", now: 0, isAlive: { _ in true }, in: db)
        }
        let run = try #require(claimed.first)
        try Self.plan(store, name: "many", trials: 3)
        let config = try #require(try store.read { db in try Store.config(hash: run.configHash, in: db) })
        let metrics = TrialEngine().run(config, seed: run.seed, trial: 0)
        let done = try store.write { db in
            try Store.insertTrials(runID: run.runID, [(0, metrics)], in: db)
            return try Store.completeRun(runID: run.runID, provenanceID: nil, in: db)
        }
        #expect(!done)
        let record = try #require(try store.run(id: run.runID))
        #expect(record.state == .pending && record.trialsPlanned == 3 && record.leaseHost == nil)
        #expect(try store.trials(runID: run.runID).count == 1)
    }
}
