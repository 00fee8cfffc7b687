import ExperimentStore
import Quantization
import Sweeps
import Synchronization

/// A ``RunQueue`` in memory, for testing ``SweepExecutor`` without a database: runs live in an array,
/// leases are a state, trials a dictionary. It checks the executor's side of the contract as it goes and
/// records every departure in ``violations``: a commit of a trial that is already stored or of a run that
/// is not leased, a run completed before all its trials are stored, an attempt or a failure of a run that
/// is not leased.
public final class InMemoryRunQueue: RunQueue, Sendable {
    /// A planned run.
    public struct Run: Sendable {
        /// The run's id.
        public var runID: Int64
        /// Its config.
        public var config: TrialConfig
        /// Its seed.
        public var seed: Int
        /// Trials 0 ..< trialsPlanned make it complete.
        public var trialsPlanned: Int

        /// A planned run.
        public init(runID: Int64, config: TrialConfig, seed: Int, trialsPlanned: Int) {
            self.runID = runID
            self.config = config
            self.seed = seed
            self.trialsPlanned = trialsPlanned
        }
    }

    /// A run's state and stored trials.
    public struct Entry: Sendable {
        /// The planned run.
        public var run: Run
        /// pending, running, done or failed.
        public var state: RunState = .pending
        /// Stored trials.
        public var trials: [Int: MetricValues] = [:]
        /// The error of a failed run.
        public var error: String?
        /// How many times it was leased.
        public var claims = 0
        /// How many times computing it began (``InMemoryRunQueue/begin(_:)``).
        public var attempts = 0
    }

    private struct State {
        var entries: [Entry]
        var claimLimits: [Int] = []
        var commitSizes: [Int] = []
        var releases = 0
        var violations: [String] = []
    }

    private let state: Mutex<State>

    /// A queue with every run pending, claimed in the order given.
    ///
    /// - Parameters:
    ///   - runs: the planned runs (distinct ids).
    ///   - stored: trials already stored, by run id (never to be recomputed).
    public init(_ runs: [Run], stored: [Int64: [Int: MetricValues]] = [:]) {
        state = Mutex(State(entries: runs.map { Entry(run: $0, trials: stored[$0.runID] ?? [:]) }))
    }

    /// Every run's state and trials, in the order given.
    public var entries: [Entry] { state.withLock { $0.entries } }
    /// The `limit` of every claim, in order.
    public var claimLimits: [Int] { state.withLock { $0.claimLimits } }
    /// The number of trials of every commit, in order.
    public var commitSizes: [Int] { state.withLock { $0.commitSizes } }
    /// How many times leases were released.
    public var releases: Int { state.withLock { $0.releases } }
    /// Departures from the contract seen so far (empty for a correct executor).
    public var violations: [String] { state.withLock { $0.violations } }

    /// Every stored trial as `runID/trial` → metric bit patterns, for comparing executions bit for bit.
    public var storedBits: [String: [UInt64]] {
        state.withLock { s in
            var out: [String: [UInt64]] = [:]
            for e in s.entries {
                for (trial, m) in e.trials { out["\(e.run.runID)/\(trial)"] = m.values.map(\.bitPattern) }
            }
            return out
        }
    }

    /// Leases up to `limit` pending runs, in the order given.
    public func claim(limit: Int) throws -> [ClaimedRun] {
        state.withLock { s in
            s.claimLimits.append(limit)
            var claimed: [ClaimedRun] = []
            for i in s.entries.indices where s.entries[i].state == .pending && claimed.count < limit {
                s.entries[i].state = .running
                s.entries[i].claims += 1
                let e = s.entries[i]
                claimed.append(
                    ClaimedRun(
                        runID: e.run.runID, config: e.run.config, seed: e.run.seed, trialsPlanned: e.run.trialsPlanned,
                        storedTrials: Set(e.trials.keys)))
            }
            return claimed
        }
    }

    /// Counts an attempt for each run, checking that it is leased.
    public func begin(_ runIDs: [Int64]) throws {
        state.withLock { s in
            for runID in runIDs {
                guard let i = s.entries.firstIndex(where: { $0.run.runID == runID }) else { continue }
                if s.entries[i].state != .running { s.violations.append("begin of run \(runID) not leased") }
                s.entries[i].attempts += 1
            }
        }
    }

    /// Stores trials and marks runs done, checking that each run is leased, each trial new and in range,
    /// and each completed run complete.
    @discardableResult
    public func commit(_ results: [TrialResult], completed: [Int64]) throws -> Int {
        state.withLock { s in
            s.commitSizes.append(results.count)
            for r in results {
                guard let i = s.entries.firstIndex(where: { $0.run.runID == r.runID }) else {
                    s.violations.append("commit of unknown run \(r.runID)")
                    continue
                }
                if s.entries[i].state != .running { s.violations.append("commit to run \(r.runID) not leased") }
                if s.entries[i].trials[r.trial] != nil { s.violations.append("trial \(r.runID)/\(r.trial) twice") }
                if !(0..<s.entries[i].run.trialsPlanned).contains(r.trial) {
                    s.violations.append("trial \(r.runID)/\(r.trial) out of range")
                }
                s.entries[i].trials[r.trial] = r.metrics
            }
            for runID in completed {
                guard let i = s.entries.firstIndex(where: { $0.run.runID == runID }) else { continue }
                if s.entries[i].trials.count != s.entries[i].run.trialsPlanned {
                    s.violations.append("run \(runID) completed with \(s.entries[i].trials.count) trials")
                }
                s.entries[i].state = .done
            }
            return completed.count
        }
    }

    /// Marks a run failed with its error (its stored trials are kept).
    public func fail(runID: Int64, error: String) throws {
        state.withLock { s in
            guard let i = s.entries.firstIndex(where: { $0.run.runID == runID }) else { return }
            if s.entries[i].state != .running { s.violations.append("fail of run \(runID) not leased") }
            s.entries[i].state = .failed
            s.entries[i].error = error
        }
    }

    /// Returns every leased run to pending.
    public func releaseLeases() throws {
        state.withLock { s in
            s.releases += 1
            for i in s.entries.indices where s.entries[i].state == .running { s.entries[i].state = .pending }
        }
    }
}
