import ExperimentStore
import Models
import Quantization

/// Plans a sweep spec into a store (docs/architecture.md "Sweeps and resume": planning twice is a no-op; a sweep
/// whose plan changed is refused unless amended; raising `trials` extends runs).
public enum SweepPlanner {
    /// What planning did.
    public struct Result: Sendable {
        /// Runs of the spec (this shard's slice).
        public var runs: Int
        /// Runs that were not planned before.
        public var newRuns: Int
    }

    /// Plans `spec` (restricted to `shard`) into `store`.
    ///
    /// - Parameters:
    ///   - spec: the parsed spec.
    ///   - specText: its text (stored for audit).
    ///   - shard: the slice of runs this process plans.
    ///   - amend: accept a changed plan for an existing sweep name.
    ///   - store: the database.
    ///   - provenanceID: the planning process.
    /// - Throws: ``SweepPlanError/changedSpec(name:)`` when the plan changed without `amend`;
    ///   ``SweepPlanError/mixedTrials(name:counts:)`` when planning would leave the sweep's runs with
    ///   different trial counts (nothing is planned then).
    public static func plan(
        _ spec: SweepSpec, specText: String, shard: Shard, amend: Bool, store: Store, provenanceID: Int64?
    ) throws -> Result {
        let runs = shard.select(spec.runs)
        return try store.write { db in
            if let existing = try Store.sweep(named: spec.name, in: db), existing.specHash != spec.planFingerprint,
                !amend
            {
                throw SweepPlanError.changedSpec(name: spec.name)
            }
            let before = try Store.trialCounts(sweep: spec.name, in: db).map(\.trials)
            let added = try Store.planSweep(
                name: spec.name, spec: specText, specHash: spec.planFingerprint,
                runs: runs.map { ($0.config, $0.seed) }, trials: spec.trials, provenanceID: provenanceID,
                forwardVersion: Models.forwardVersion, in: db)
            // A sweep whose runs have different trial counts compares seeds of unequal precision; refuse to
            // create one (the transaction rolls back), but never block a sweep that already is one.
            let after = try Store.trialCounts(sweep: spec.name, in: db)
            if after.count > 1, after.map(\.trials) != before {
                throw SweepPlanError.mixedTrials(name: spec.name, counts: after)
            }
            return Result(runs: runs.count, newRuns: added)
        }
    }
}

/// Planning errors (bad input: exit 2).
public enum SweepPlanError: Error, Sendable, CustomStringConvertible {
    /// The sweep exists with a different plan.
    case changedSpec(name: String)
    /// Planning would leave the sweep's runs with different trial counts (runs per trial count).
    case mixedTrials(name: String, counts: [(trials: Int, runs: Int)])

    public var description: String {
        switch self {
        case .changedSpec(let name):
            return
                "sweep '\(name)' already exists with a different plan (configs or seeds changed); "
                + "rerun with --amend to add the new runs to it, or give the spec another name"
        case .mixedTrials(let name, let counts):
            let most = counts.map(\.trials).max() ?? 0
            let list = counts.map {
                "\($0.runs) run\($0.runs == 1 ? "" : "s") with \($0.trials) trial\($0.trials == 1 ? "" : "s")"
            }
            return "sweep '\(name)' would hold runs with different trial counts (\(list.joined(separator: ", "))), "
                + "so its seeds would not be comparable; nothing was planned. Set `trials: \(most)` in the spec and "
                + "rerun to extend every run to \(most) trials (stored trials are kept, only the missing ones are "
                + "computed), or give the spec another name"
        }
    }
}
