import Quantization
import Statistics
import Testing

@testable import Sweeps

@Suite("Shards")
struct ShardTests {
    @Test("I/N parses; malformed or out-of-range shards are errors")
    func parsing() throws {
        let shard = try Shard(parsing: " 2/5 ")
        #expect(shard.index == 2 && shard.count == 5)
        #expect(shard.description == "2/5")
        #expect(shard.defaultDatabaseName == "kvlab-shard-2-of-5.sqlite")
        #expect(try Shard(parsing: "0/1") == Shard.whole)
        for bad in ["", "1", "1/", "/2", "2/2", "3/2", "-1/2", "0/0", "a/b", "1/2/3", "1.0/2", "+1/2", "0 /2"] {
            #expect(throws: ShardError.self, "\(bad)") { try Shard(parsing: bad) }
        }
        let error = #expect(throws: ShardError.self) { try Shard(parsing: "4/4") }
        #expect(error?.description == "shard index 4 is out of range 0…3 for 4 shards")
    }

    @Test("Slurm array variables give the shard")
    func slurm() throws {
        #expect(try Shard.fromSlurm(environment: [:]) == nil)
        #expect(try Shard.fromSlurm(environment: ["SLURM_JOB_ID": "7"]) == nil)
        let env = ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "4"]
        #expect(try Shard.fromSlurm(environment: env) == Shard(index: 2, count: 4))
        var stepped = env
        stepped["SLURM_ARRAY_TASK_ID"] = "6"
        stepped["SLURM_ARRAY_TASK_MIN"] = "0"
        stepped["SLURM_ARRAY_TASK_STEP"] = "2"
        #expect(try Shard.fromSlurm(environment: stepped) == Shard(index: 3, count: 4))
        var irregular = env
        irregular["SLURM_ARRAY_TASK_ID"] = "9"
        #expect(throws: ShardError.self) { try Shard.fromSlurm(environment: irregular) }
        #expect(throws: ShardError.self) { try Shard.fromSlurm(environment: ["SLURM_ARRAY_TASK_ID": "0"]) }
        var garbage = env
        garbage["SLURM_ARRAY_TASK_COUNT"] = "four"
        #expect(throws: ShardError.self) { try Shard.fromSlurm(environment: garbage) }
    }

    /// The runs of a shard as a flat list.
    static func runs(_ shard: Shard, _ configs: [TrialConfig], _ seeds: [Int]) -> [PlannedRun] {
        let slice = shard.slice(configs: configs, seeds: seeds)
        let runs = slice.runs.flatMap { run in run.seeds.map { PlannedRun(config: run.config, seed: $0) } }
        #expect(runs.count == slice.count)
        return runs
    }

    /// The assignment by its definition: every run listed, sorted by (data group, seed, config key), cut into
    /// `count` chunks whose sizes differ by at most one. Returns each run's shard.
    static func reference(_ runs: [PlannedRun], count: Int) -> [PlannedRun: Int] {
        let sorted = runs.sorted { a, b in
            let (x, y) = (a.config, b.config)
            if x.dataGroupKey != y.dataGroupKey { return x.dataGroupKey < y.dataGroupKey }
            if a.seed != b.seed { return a.seed < b.seed }
            return x.sweepKey < y.sweepKey
        }
        var shards: [PlannedRun: Int] = [:]
        for (position, run) in sorted.enumerated() { shards[run] = position * count / runs.count }
        return shards
    }

    @Test("shards partition the plan, are balanced and do not depend on config or seed order", arguments: 1...5)
    func partition(count: Int) throws {
        for name in ["paper", "sensitivity", "smoke"] {
            let spec = try SweepSpec.shipped(named: name)
            var rng = SplitMix64(seed: UInt64(count))
            let (configs, seeds) = (spec.configs.shuffled(using: &rng), spec.seeds.shuffled(using: &rng))
            var union: [PlannedRun] = []
            var sizes: [Int] = []
            for index in 0..<count {
                let shard = try Shard(index: index, count: count)
                let slice = Self.runs(shard, spec.configs, spec.seeds)
                #expect(Set(slice) == Set(Self.runs(shard, configs, seeds)))
                union += slice
                sizes.append(slice.count)
            }
            #expect(union.count == spec.runCount)
            #expect(Set(union) == Set(spec.runs))
            #expect(sizes.max()! - sizes.min()! <= 1)
        }
    }

    @Test(
        "the slice computed from configs and seeds equals the definition's sort of every run",
        arguments: [2, 3, 4, 7, 40])
    func matchesDefinition(count: Int) throws {
        // Seeds out of order and with gaps; the paper grid has 300 data groups of 15 configs, the sensitivity
        // grid groups of other sizes.
        for name in ["paper", "sensitivity", "smoke"] {
            let spec = try SweepSpec.shipped(named: name).replacingSeeds([9, 2, 40, 7])
            let expected = Self.reference(spec.runs, count: count)
            for index in 0..<count {
                let shard = try Shard(index: index, count: count)
                let slice = shard.slice(configs: spec.configs, seeds: spec.seeds)
                let mine = Set(Self.runs(shard, spec.configs, spec.seeds))
                #expect(mine == Set(expected.filter { $0.value == index }.keys), "\(name) \(shard)")
                // Configs in expansion order, seeds in the order given.
                let order = Dictionary(uniqueKeysWithValues: spec.configs.enumerated().map { ($1, $0) })
                let positions = slice.runs.map { order[$0.config]! }
                #expect(positions == positions.sorted())
                for run in slice.runs { #expect(run.seeds == spec.seeds.filter(run.seeds.contains)) }
            }
        }
    }

    @Test("runs that share data (same data switches and seed) stay together except at the cuts")
    func dataGroups() throws {
        let spec = try SweepSpec.shipped(named: "paper")
        var shardsPerGroup: [String: Set<Int>] = [:]
        for index in 0..<4 {
            for run in Self.runs(try Shard(index: index, count: 4), spec.configs, spec.seeds) {
                let c = run.config
                let key = [c.distribution.rawValue, c.rank.map(String.init), c.mixing.rawValue, String(run.seed)]
                    .map { $0 ?? "null" }.joined(separator: "-")
                shardsPerGroup[key, default: []].insert(index)
            }
        }
        #expect(shardsPerGroup.count == 300)
        #expect(shardsPerGroup.values.filter { $0.count > 1 }.count <= 3)
    }

    @Test("more shards than runs leaves some shards empty")
    func moreShardsThanRuns() throws {
        let spec = try SweepSpec.shipped(named: "smoke")
        let slices = try (0..<40).map { Self.runs(try Shard(index: $0, count: 40), spec.configs, spec.seeds) }
        #expect(slices.map(\.count).reduce(0, +) == spec.runCount)
        #expect(slices.allSatisfy { $0.count <= 1 })
        #expect(try Shard(index: 1, count: 2).slice(configs: [], seeds: [1]).count == 0)
    }
}
