import Foundation
import Quantization

/// One of N disjoint slices of a sweep's planned runs (`--shard I/N`, or a Slurm array task).
///
/// Assignment: the runs are sorted by (data group, seed, config key), where the data group is the text of
/// the data switches (`TrialConfig.dataKey`), and the sorted list is cut into N contiguous chunks whose
/// sizes differ by at most one; shard I takes chunk I. So every run is in exactly one shard, the slices do
/// not depend on the order the runs are given in, shards are balanced by run count, and runs that share data
/// (same data switches and seed, other scheme, budget or quantizer) stay together except at the N − 1 cuts.
/// The assignment depends on the whole plan: changing the spec (`--amend`) can move runs between shards;
/// a moved run is recomputed by its new shard with bit-identical results, which `kvlab merge` accepts.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// The shard's index I, 0…count−1.
    public let index: Int
    /// The number of shards N ≥ 1.
    public let count: Int

    /// Largest shard count accepted.
    public static let maxCount = 1_000_000

    /// The whole plan as one shard (0/1).
    public static let whole = Shard(uncheckedIndex: 0, count: 1)

    /// Creates a shard.
    ///
    /// - Parameters:
    ///   - index: I, in 0…count−1.
    ///   - count: N, in 1…``maxCount``.
    /// - Throws: ``ShardError`` when out of range.
    public init(index: Int, count: Int) throws(ShardError) {
        guard (1...Self.maxCount).contains(count) else {
            throw ShardError(message: "shard count \(count) is out of range 1…\(Self.maxCount)")
        }
        guard (0..<count).contains(index) else {
            throw ShardError(message: "shard index \(index) is out of range 0…\(count - 1) for \(count) shards")
        }
        self.init(uncheckedIndex: index, count: count)
    }

    private init(uncheckedIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `I/N` (as given to `--shard`), e.g. `0/4`; surrounding spaces are ignored.
    ///
    /// - Parameter text: the text.
    /// - Throws: ``ShardError`` for anything but two decimal integers with 0 ≤ I < N.
    public init(parsing text: String) throws(ShardError) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(
            separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Self.decimal(parts[0]), let count = Self.decimal(parts[1]) else {
            throw ShardError(
                message: "invalid shard \(String(reflecting: text)): expected I/N with 0 ≤ I < N, e.g. 0/4")
        }
        try self.init(index: index, count: count)
    }

    /// `I/N`.
    public var description: String { "\(index)/\(count)" }

    /// The database file a shard writes when no `--db` is given: `kvlab-shard-I-of-N.sqlite`.
    public var defaultDatabaseName: String { "kvlab-shard-\(index)-of-\(count).sqlite" }

    /// The runs of this shard of a plan of every config with every seed, grouped by config.
    ///
    /// The assignment is the type's (runs sorted by data group, seed and config key, cut into N balanced
    /// chunks), computed without listing the runs: the order sorts the configs once by (data group, config
    /// key) and the seeds once, so a run's position in the sorted list follows from its config's rank within
    /// its data group and its seed's rank (a group of c configs holds c runs per seed, seed-major). This
    /// shard's chunk is the positions ⌈I·r/N⌉ ..< ⌈(I+1)·r/N⌉, which give each config a range of seed ranks.
    ///
    /// - Parameters:
    ///   - configs: the plan's configs (distinct).
    ///   - seeds: its seeds (distinct), each config's runs.
    /// - Returns: the configs with a run in this shard, in the order given, each with its seeds in this shard
    ///   in the order given (configs with every seed share the `seeds` array); and the number of runs.
    /// - Complexity: O(c log c + s log s) time and one key per config in memory for c configs and s seeds,
    ///   plus the result: never one entry per run of the whole plan.
    public func slice(configs: [TrialConfig], seeds: [Int]) -> (runs: [(config: TrialConfig, seeds: [Int])], count: Int)
    {
        let total = configs.count * seeds.count
        guard count > 1 else { return (configs.map { ($0, seeds) }, total) }
        guard total > 0 else { return ([], 0) }
        // total ≤ SweepSpec.maxRuns and count ≤ maxCount: the products cannot overflow.
        let (low, high) = (Self.ceilingDivision(index * total, count), Self.ceilingDivision((index + 1) * total, count))
        let keys = configs.map { (group: $0.dataGroupKey, config: $0.sweepKey) }
        let order = configs.indices.sorted { a, b in
            keys[a].group != keys[b].group ? keys[a].group < keys[b].group : keys[a].config < keys[b].config
        }
        let sortedSeeds = seeds.sorted()
        var seedRanks = Array(repeating: 0..<0, count: configs.count)
        var groupStart = 0
        var offset = 0
        while groupStart < order.count, offset < high {
            var groupEnd = groupStart + 1
            while groupEnd < order.count, keys[order[groupEnd]].group == keys[order[groupStart]].group { groupEnd += 1 }
            let size = groupEnd - groupStart
            if offset + size * seeds.count > low {
                for rank in 0..<size {
                    // The run of seed rank i is at offset + i·size + rank: those in low..<high.
                    let first = max(0, Self.ceilingDivision(low - offset - rank, size))
                    let end = min(seeds.count, Self.ceilingDivision(high - offset - rank, size))
                    if first < end { seedRanks[order[groupStart + rank]] = first..<end }
                }
            }
            offset += size * seeds.count
            groupStart = groupEnd
        }
        var shared: [Range<Int>: [Int]] = [0..<seeds.count: seeds]
        var runs: [(config: TrialConfig, seeds: [Int])] = []
        var runCount = 0
        for (config, ranks) in zip(configs, seedRanks) where !ranks.isEmpty {
            if shared[ranks] == nil {
                let (smallest, largest) = (sortedSeeds[ranks.lowerBound], sortedSeeds[ranks.upperBound - 1])
                shared[ranks] = seeds.filter { smallest <= $0 && $0 <= largest }
            }
            runs.append((config, shared[ranks]!))
            runCount += ranks.count
        }
        return (runs, runCount)
    }

    /// ⌈a / b⌉ for b > 0 and any sign of a.
    private static func ceilingDivision(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? (a + b - 1) / b : -((-a) / b)
    }

    private static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
