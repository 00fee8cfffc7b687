import KVLabTestSupport
import Quantization
import Synchronization
import Testing

@testable import Sweeps

#if canImport(Glibc)
    import Glibc
#endif

/// ``SweepExecutor`` on an ``InMemoryRunQueue``: batching, cancellation and failures, and the same numbers
/// whatever the jobs, claim sizes and commit sizes.
@Suite("SweepExecutor on an in-memory queue")
struct SweepExecutorTests {
    /// 2 distributions × 2 seeds × 3 schemes × 2 budgets = 24 runs of tiny data; the 6 runs of one
    /// (distribution, seed) share their data.
    static func runs(trials: Int = 3) -> [InMemoryRunQueue.Run] {
        var runs: [InMemoryRunQueue.Run] = []
        for distribution in [Distribution.gaussian, .t3] {
            for seed in [1, 2] {
                for scheme in Scheme.allCases {
                    for bits in [2, 4] {
                        var c = TrialConfig()
                        (c.dim, c.tokens, c.queries) = (16, 32, 4)
                        (c.scheme, c.bits, c.distribution) = (scheme, bits, distribution)
                        runs.append(
                            InMemoryRunQueue.Run(
                                runID: Int64(runs.count + 1), config: c.resolved, seed: seed, trialsPlanned: trials))
                    }
                }
            }
        }
        return runs
    }

    /// Each trial computed alone by the engine, as `runID/trial` → metric bit patterns.
    static let reference: [String: [UInt64]] = {
        let engine = TrialEngine()
        var out: [String: [UInt64]] = [:]
        for run in runs() {
            for trial in 0..<run.trialsPlanned {
                let metrics = engine.run(run.config, seed: run.seed, trial: trial)
                out["\(run.runID)/\(trial)"] = metrics.values.map(\.bitPattern)
            }
        }
        return out
    }()

    /// A flag set from a progress callback.
    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        var isSet: Bool { value.load(ordering: .relaxed) }
        func set() { value.store(true, ordering: .relaxed) }
    }

    @Test(
        "the stored numbers equal the engine's, trial by trial, whatever the jobs, claim size and commit size",
        arguments: [(1, 1, 1), (1, 30, 64), (2, 5, 3), (4, 7, 16), (3, 24, 1000)])
    func deterministic(jobs: Int, claimSize: Int, commitEvery: Int) async throws {
        let queue = InMemoryRunQueue(Self.runs())
        let executor = SweepExecutor(jobs: jobs, claimSize: claimSize, commitEvery: commitEvery)
        let outcome = try await executor.execute(queue: queue, isCancelled: { false })
        #expect(outcome == .finished)
        #expect(queue.violations.isEmpty, "\(queue.violations)")
        #expect(queue.entries.allSatisfy { $0.state == .done })
        #expect(queue.storedBits == Self.reference)
    }

    @Test(
        "claims ask for claimSize runs; commits hold commitEvery trials plus at most one unit; stored trials are kept")
    func batching() async throws {
        let runs = Self.runs()
        // Run 1 has every trial stored, run 2 its trial 0: neither may be computed again.
        var stored: [Int64: [Int: MetricValues]] = [:]
        for (runID, trials) in [(Int64(1), [0, 1, 2]), (2, [0])] {
            let run = runs[Int(runID) - 1]
            for trial in trials {
                stored[runID, default: [:]][trial] = TrialEngine().run(
                    run.config, seed: run.seed, trial: trial)
            }
        }
        let queue = InMemoryRunQueue(runs, stored: stored)
        let executor = SweepExecutor(jobs: 2, claimSize: 5, commitEvery: 4)
        let reports = Mutex<[SweepExecutor.Progress]>([])
        let outcome = try await executor.execute(
            queue: queue, isCancelled: { false }, progress: { p in reports.withLock { $0.append(p) } })
        #expect(outcome == .finished)
        #expect(queue.violations.isEmpty, "\(queue.violations)")
        #expect(queue.claimLimits.allSatisfy { $0 == 5 })
        #expect(queue.claimLimits.count == 24 / 5 + 2, "5 full claims, a partial one, an empty one")
        // A unit is one trial of the runs sharing data: at most 6 results beyond the threshold of 4.
        #expect(queue.commitSizes.allSatisfy { $0 < 4 + 6 }, "\(queue.commitSizes)")
        #expect(queue.commitSizes.reduce(0, +) == 24 * 3 - 4)
        #expect(queue.storedBits == Self.reference)
        // One attempt per computed run; run 1, complete already, is never begun.
        #expect(queue.entries.map(\.attempts) == [0] + Array(repeating: 1, count: 23))
        let last = try #require(reports.withLock { $0.last })
        #expect(last.runsDone == 24 && last.trialsDone == 24 * 3 - 4 && last.runsFailed == 0)
    }

    @Test("a stop after the first commit releases the leases and keeps what was committed; resuming finishes it")
    func cancellation() async throws {
        let queue = InMemoryRunQueue(Self.runs())
        let stop = Flag()
        let executor = SweepExecutor(jobs: 2, claimSize: 6, commitEvery: 6)
        let outcome = try await executor.execute(
            queue: queue, isCancelled: { stop.isSet }, progress: { _ in stop.set() })
        #expect(outcome == .cancelled)
        #expect(queue.releases == 1)
        #expect(!queue.entries.contains { $0.state == .running })
        let kept = queue.storedBits
        #expect(!kept.isEmpty && kept.count < 24 * 3)
        #expect(kept.allSatisfy { Self.reference[$0.key] == $0.value })

        let resumed = try await SweepExecutor(jobs: 3, claimSize: 4, commitEvery: 5).execute(
            queue: queue, isCancelled: { false })
        #expect(resumed == .finished)
        #expect(queue.violations.isEmpty, "\(queue.violations)")
        #expect(queue.storedBits == Self.reference)
    }

    @Test("cancelled before the first claim: nothing is leased, nothing computed")
    func cancelledAtOnce() async throws {
        let queue = InMemoryRunQueue(Self.runs())
        let outcome = try await SweepExecutor().execute(queue: queue, isCancelled: { true })
        #expect(outcome == .cancelled)
        #expect(queue.claimLimits.isEmpty && queue.storedBits.isEmpty)
        #expect(queue.entries.allSatisfy { $0.state == .pending })
    }

    @Test("the next lease is taken while the last unit of the previous one still computes")
    func overlappingLeases() async throws {
        let queue = InMemoryRunQueue(Self.runs(trials: 1))
        let first = Flag()
        let sawSecondLease = Flag()
        // The first unit to start (the only unit of the first lease) waits, up to 20 s, for a second lease.
        let executor = SweepExecutor(
            jobs: 2, claimSize: 6, commitEvery: 4,
            dataSource: { key in
                if !first.isSet {
                    first.set()
                    for _ in 0..<2000 where queue.claimLimits.count < 2 { usleep(10_000) }
                    if queue.claimLimits.count >= 2 { sawSecondLease.set() }
                }
                return SyntheticSource(key: key)
            })
        let outcome = try await executor.execute(queue: queue, isCancelled: { false })
        #expect(outcome == .finished && queue.violations.isEmpty)
        #expect(sawSecondLease.isSet)
        #expect(queue.storedBits.count == 24)
    }

    /// Stored inputs that are missing for one (distribution, seed, trial).
    struct MissingInputs: Error, CustomStringConvertible {
        var description: String { "dataset tensor layers.0.k is missing" }
    }

    /// The synthetic source, except that t3 data of seed 2, trial 1 cannot be produced.
    struct FailingSource: TrialDataSource {
        let key: DataKey
        var logitScale: Double { key.logitScale }
        func trialData(seed: Int, trial: Int) throws -> TrialData {
            if key.distribution == .t3 && seed == 2 && trial == 1 { throw MissingInputs() }
            return TrialData.generate(key, seed: seed, trial: trial)
        }
    }

    @Test("runs whose inputs cannot be produced are failed with the error; the others finish", arguments: [1, 3])
    func failure(jobs: Int) async throws {
        let runs = Self.runs()
        let queue = InMemoryRunQueue(runs)
        let executor = SweepExecutor(jobs: jobs, claimSize: 7, commitEvery: 5, dataSource: { FailingSource(key: $0) })
        let reports = Mutex<[SweepExecutor.Progress]>([])
        let outcome = try await executor.execute(
            queue: queue, isCancelled: { false }, progress: { p in reports.withLock { $0.append(p) } })
        #expect(outcome == .finished)
        #expect(queue.violations.isEmpty, "\(queue.violations)")
        let broken = Set(runs.filter { $0.config.distribution == .t3 && $0.seed == 2 }.map(\.runID))
        #expect(broken.count == 6)
        for entry in queue.entries {
            if broken.contains(entry.run.runID) {
                #expect(entry.state == .failed)
                #expect(entry.error == "dataset tensor layers.0.k is missing")
                #expect(entry.trials[1] == nil)
            } else {
                #expect(entry.state == .done)
            }
        }
        #expect(queue.storedBits.allSatisfy { Self.reference[$0.key] == $0.value })
        let last = try #require(reports.withLock { $0.last })
        #expect(last.runsFailed == 6 && last.runsDone == 18)
    }
}
