import Quantization

/// A parsed, validated and expanded sweep spec (docs/architecture.md "Sweeps and resume").
///
/// A spec is YAML (or JSON) with the keys `name`, `description`, `tags`, `seeds`, `trials`, `schemes`,
/// `fixed`, `grid` or `grids`, and `exclude`; see ``parse(text:source:)`` for their meaning. An instance exists only if the spec is valid:
/// every expanded config passed `TrialConfig.validate()`.
///
/// Expansion (``configs``): for each grid in the order written (a spec without `grid`/`grids` has one empty
/// grid), every combination of its axes with the first axis written varying slowest, each axis in list
/// order; a combination starts from the docs/science.md defaults with `fixed` applied, then its grid values.
/// Combinations matching an `exclude` entry are dropped; the rest are resolved (`TrialConfig`, which sets
/// non-applicable switches to nil) and de-duplicated, keeping the first occurrence. Planned runs
/// (``runs``) are configs × seeds, config-major, seeds in the order given.
public struct SweepSpec: Sendable {
    /// The file the spec came from, as given (`sweeps/NAME.yaml` for a shipped spec).
    public let source: String
    /// The sweep name (`[A-Za-z0-9._-]+`), the sweep's key in the database.
    public let name: String
    /// The spec's `description`, if any: stored with the sweep, outside its fingerprints.
    public internal(set) var description: String?
    /// The spec's `tags` (name → value): stored with the sweep, outside its fingerprints.
    public internal(set) var tags: [String: String] = [:]
    /// The seeds, in the order given: `seeds: N` means 1…N; an explicit list has no repeats.
    public let seeds: [Int]
    /// Trials per run (trials 0…trials−1 of each (config, seed)); default 8.
    public let trials: Int
    /// The `fixed` settings, in the order written.
    public let fixed: [SwitchSetting]
    /// The grids (one for `grid`, several for `grids`, none when the spec has neither).
    public let grids: [SweepGrid]
    /// The `exclude` entries: a config matching every setting of one entry is dropped.
    public let exclude: [[SwitchSetting]]
    /// The expanded, de-duplicated configs, in expansion order (see the type's documentation).
    public let configs: [TrialConfig]
    /// Grid combinations before exclusion and de-duplication.
    public let combinationCount: Int
    /// Combinations dropped by `exclude`.
    public let excludedCount: Int
    /// Indices into ``exclude`` of entries that matched no combination (likely a mistake; worth a warning).
    public let unmatchedExclusions: [Int]
    /// Where each `fixed` switch was written (error messages).
    let fixedLocations: [SwitchName: SourceLocation]
    /// The datasets the spec's `source` values were resolved against.
    let datasets: DatasetCatalog

    /// Largest `seeds` count accepted.
    public static let maxSeedCount = 100_000
    /// Largest `trials` accepted.
    public static let maxTrials = 100_000
    /// Largest number of grid combinations (before exclusion and de-duplication) accepted.
    public static let maxCombinations = 100_000
    /// Largest number of planned runs (configs × seeds) accepted.
    public static let maxRuns = 1_000_000
    /// Largest number of `exclude` entries accepted (expansion matches every combination against each).
    public static let maxExclusions = 1_000

    /// Builds and expands a spec from parsed parts.
    ///
    /// - Throws: ``SweepSpecError`` when an expanded config is invalid (located at the grid value or
    ///   `fixed` entry that set the offending switch) or the spec expands beyond the limits.
    init(
        source: String, name: String, seeds: [Int], trials: Int, fixed: [SwitchSetting],
        fixedLocations: [SwitchName: SourceLocation], grids: [SweepGrid], exclude: [[SwitchSetting]],
        datasets: DatasetCatalog
    ) throws(SweepSpecError) {
        self.source = source
        self.name = name
        self.seeds = seeds
        self.trials = trials
        self.fixed = fixed
        self.fixedLocations = fixedLocations
        self.grids = grids
        self.exclude = exclude
        self.datasets = datasets
        let expansion = try Self.expand(
            source: source, fixed: fixed, fixedLocations: fixedLocations, grids: grids, exclude: exclude,
            datasets: datasets)
        configs = expansion.configs
        combinationCount = expansion.combinations
        excludedCount = expansion.excluded
        unmatchedExclusions = expansion.matches.indices.filter { expansion.matches[$0] == 0 }
        let (runs, overflow) = configs.count.multipliedReportingOverflow(by: seeds.count)
        guard !overflow, runs <= Self.maxRuns else {
            throw SweepSpecError(
                kind: .invalid, source: source, keyPath: "seeds",
                message: "\(configs.count) configs × \(seeds.count) seeds exceed \(Self.maxRuns) planned runs")
        }
    }

    /// The planned runs: every config × every seed, config-major, seeds in the order given.
    public var runs: [PlannedRun] {
        var runs: [PlannedRun] = []
        runs.reserveCapacity(runCount)
        for config in configs {
            for seed in seeds { runs.append(PlannedRun(config: config, seed: seed)) }
        }
        return runs
    }

    /// The number of planned runs (configs × seeds).
    public var runCount: Int { configs.count * seeds.count }

    /// The number of planned trials (runs × trials).
    public var trialCount: Int { runCount * trials }

    /// The same spec with other seeds (e.g. `kvlab reproduce --seeds N`); configs and trials unchanged.
    ///
    /// - Parameter seeds: the new seeds: non-empty, non-negative, no repeats.
    /// - Returns: the spec with those seeds (its fingerprints change accordingly).
    /// - Throws: ``SweepSpecError`` at key path `seeds` for an invalid list.
    public func replacingSeeds(_ seeds: [Int]) throws(SweepSpecError) -> SweepSpec {
        func fail(_ message: String) -> SweepSpecError {
            SweepSpecError(kind: .invalid, source: source, keyPath: "seeds", message: message)
        }
        guard !seeds.isEmpty, seeds.count <= Self.maxSeedCount else {
            throw fail("expected 1…\(Self.maxSeedCount) seeds, got \(seeds.count)")
        }
        if let negative = seeds.first(where: { $0 < 0 }) {
            throw fail("\(negative) is not a non-negative integer")
        }
        guard Set(seeds).count == seeds.count else { throw fail("a seed is listed twice") }
        var spec = try SweepSpec(
            source: source, name: name, seeds: seeds, trials: trials, fixed: fixed,
            fixedLocations: fixedLocations, grids: grids, exclude: exclude, datasets: datasets)
        spec.description = description
        spec.tags = tags
        return spec
    }
}
