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
    /// - Throws: ``SweepPlanError/changedSpec(name:)`` when the plan changed without `amend`.
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
            let added = try Store.planSweep(
                name: spec.name, spec: specText, specHash: spec.planFingerprint,
                runs: runs.map { ($0.config, $0.seed) }, trials: spec.trials, provenanceID: provenanceID,
                forwardVersion: Models.forwardVersion, in: db)
            return Result(runs: runs.count, newRuns: added)
        }
    }
}

/// Planning errors (bad input: exit 2).
public enum SweepPlanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The sweep exists with a different plan.
    case changedSpec(name: String)

    public var description: String {
        switch self {
        case .changedSpec(let name):
            return
                "sweep '\(name)' already exists with a different plan (configs or seeds changed); "
                + "rerun with --amend to add the new runs to it, or give the spec another name"
        }
    }
}
