import Statistics
import Sweeps
import Testing

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

    @Test("shards partition the plan, are balanced and do not depend on run order", arguments: 1...5)
    func partition(count: Int) throws {
        for name in ["paper", "sensitivity", "smoke"] {
            let runs = try SweepSpec.shipped(named: name).runs
            var rng = SplitMix64(seed: UInt64(count))
            let shuffled = runs.shuffled(using: &rng)
            var union: [PlannedRun] = []
            var sizes: [Int] = []
            for index in 0..<count {
                let shard = try Shard(index: index, count: count)
                let slice = shard.select(runs)
                #expect(Set(slice) == Set(shard.select(shuffled)))
                union += slice
                sizes.append(slice.count)
            }
            #expect(union.count == runs.count)
            #expect(Set(union) == Set(runs))
            #expect(sizes.max()! - sizes.min()! <= 1)
        }
    }

    @Test("runs that share data (same data switches and seed) stay together except at the cuts")
    func dataGroups() throws {
        let runs = try SweepSpec.shipped(named: "paper").runs
        let assignment = Shard.assign(runs, count: 4)
        var shardsPerGroup: [String: Set<Int>] = [:]
        for (run, shard) in zip(runs, assignment) {
            let c = run.config
            let key = [c.distribution.rawValue, c.rank.map(String.init), c.mixing.rawValue, String(run.seed)]
                .map { $0 ?? "null" }.joined(separator: "-")
            shardsPerGroup[key, default: []].insert(shard)
        }
        #expect(shardsPerGroup.count == 300)
        #expect(shardsPerGroup.values.filter { $0.count > 1 }.count <= 3)
    }

    @Test("more shards than runs leaves some shards empty")
    func moreShardsThanRuns() throws {
        let runs = try SweepSpec.shipped(named: "smoke").runs
        let slices = try (0..<40).map { try Shard(index: $0, count: 40).select(runs) }
        #expect(slices.map(\.count).reduce(0, +) == runs.count)
        #expect(slices.allSatisfy { $0.count <= 1 })
        #expect(Shard.whole.select([]).isEmpty)
    }
}
