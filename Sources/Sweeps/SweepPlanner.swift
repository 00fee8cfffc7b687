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
        /// The planning process's provenance row (recorded with the plan, and stored as the sweep's
        /// `provenance_id`), nil when none was given.
        public var provenanceID: Int64?
    }

    /// Plans `spec` (restricted to `shard`) into `store`.
    ///
    /// - Parameters:
    ///   - spec: the parsed spec.
    ///   - specText: its text (stored for audit).
    ///   - shard: the slice of runs this process plans.
    ///   - amend: accept a changed plan for an existing sweep name.
    ///   - store: the database.
    ///   - provenance: the planning process, recorded in the plan's transaction (nothing of it stays when
    ///     planning stops) and stored as the sweep's `provenance_id`; nil records none.
    ///   - isCancelled: polled while planning (e.g. a signal flag): planning then stops and nothing of it is
    ///     written.
    ///   - memoryLimit: the bytes a trial may use (default: ``SystemMemory/limit()``; nil: no check).
    /// - Throws: ``SweepPlanError/changedSpec(name:)`` when the plan changed without `amend`;
    ///   ``SweepPlanError/mixedTrials(name:counts:)`` when amending an existing sweep would leave its runs with
    ///   different trial counts (nothing is planned then);
    ///   ``SweepPlanError/tooLarge(config:bytes:limit:)`` when a config's trial cannot fit in memory;
    ///   `CancellationError` when `isCancelled` returned true.
    public static func plan(
        _ spec: SweepSpec, specText: String, shard: Shard, amend: Bool, store: Store, provenance: Provenance?,
        isCancelled: () -> Bool = { false }, memoryLimit: Double? = SystemMemory.limit()
    ) throws -> Result {
        if let memoryLimit { try checkMemory(spec.configs, limit: memoryLimit) }
        if isCancelled() { throw CancellationError() }
        let (runs, runCount) = plannedRuns(spec, shard: shard)
        if isCancelled() { throw CancellationError() }
        return try store.write { db in
            let existing = try Store.sweep(named: spec.name, in: db)
            if let existing, existing.specHash != spec.planFingerprint, !amend {
                throw SweepPlanError.changedSpec(name: spec.name)
            }
            let before = try Store.trialCounts(sweep: spec.name, in: db).map(\.trials)
            let provenanceID = try provenance.map { try Store.recordProvenance($0, in: db) }
            let added = try Store.planSweep(
                name: spec.name, spec: specText, specHash: spec.planFingerprint, runs: runs, trials: spec.trials,
                description: spec.description, tags: spec.tags, provenanceID: provenanceID,
                forwardVersion: Models.forwardVersion, isCancelled: isCancelled, in: db)
            // Amending a sweep so that its runs have different trial counts (seeds of unequal precision) is
            // refused (the transaction rolls back); a sweep that already mixes counts is never blocked, and runs
            // another sweep extended are reported by `run` and `status`, not refused (they are more data).
            let after = try Store.trialCounts(sweep: spec.name, in: db)
            if amend, existing != nil, after.count > 1, after.map(\.trials) != before {
                throw SweepPlanError.mixedTrials(name: spec.name, counts: after)
            }
            return Result(runs: runCount, newRuns: added, provenanceID: provenanceID)
        }
    }
}

extension SweepPlanner {
    /// The runs `shard` plans of `spec`, per config (each config once, in expansion order, with its seeds).
    ///
    /// The whole plan is every config with the spec's seed list (shared, so a million runs never sit in memory
    /// at once); a shard's slice is computed from the configs and seeds without listing the runs
    /// (``Shard/slice(configs:seeds:)``).
    ///
    /// - Returns: the configs with their seeds, and the number of runs.
    public static func plannedRuns(
        _ spec: SweepSpec, shard: Shard
    ) -> (runs: [(config: TrialConfig, seeds: [Int])], count: Int) {
        shard.slice(configs: spec.configs, seeds: spec.seeds)
    }

    /// Refuses the config whose trial needs the most memory (``MemoryEstimate``) when it exceeds `limit`.
    ///
    /// - Throws: ``SweepPlanError/tooLarge(config:bytes:limit:)``.
    public static func checkMemory(_ configs: [TrialConfig], limit: Double) throws(SweepPlanError) {
        var largest: (config: TrialConfig, bytes: Double)?
        for config in configs {
            guard let bytes = MemoryEstimate.trialBytes(config), bytes > (largest?.bytes ?? 0) else { continue }
            largest = (config, bytes)
        }
        guard let largest, largest.bytes > limit else { return }
        let c = largest.config
        throw .tooLarge(
            config:
                "scheme \(c.scheme.name), bits \(c.bits), dim \(c.dim), tokens \(c.tokens), queries \(c.queries)",
            bytes: largest.bytes, limit: limit)
    }
}

/// Planning errors (bad input: exit 2).
public enum SweepPlanError: Error, Sendable, CustomStringConvertible {
    /// The sweep exists with a different plan.
    case changedSpec(name: String)
    /// Amending would leave the sweep's runs with different trial counts (runs per trial count).
    case mixedTrials(name: String, counts: [(trials: Int, runs: Int)])
    /// A config's trial needs more memory than this machine (or its control group) has.
    case tooLarge(config: String, bytes: Double, limit: Double)

    public var description: String {
        switch self {
        case .tooLarge(let config, let bytes, let limit):
            return
                "the config (\(config)) needs at least \(MemoryEstimate.text(bytes)) per trial, more than the "
                + "\(MemoryEstimate.text(limit)) of memory this process may use; lower tokens or dim (a trial "
                + "holds K, V and their reconstructions, each tokens × dim × 8 bytes)"
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
