import Foundation

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

    /// The runs of this shard, in the order given.
    ///
    /// - Parameter runs: the whole plan (distinct runs, in any order).
    /// - Returns: the runs assigned to this shard (see the type's documentation).
    /// - Complexity: O(r log r) for r runs.
    public func select(_ runs: [PlannedRun]) -> [PlannedRun] {
        let shards = Self.assign(runs, count: count)
        return runs.indices.filter { shards[$0] == index }.map { runs[$0] }
    }

    /// The shard index of every run, for N shards.
    ///
    /// - Parameters:
    ///   - runs: the whole plan (distinct runs, in any order).
    ///   - count: N ≥ 1.
    /// - Returns: for each run (same order), its shard index in 0…N−1.
    /// - Complexity: O(r log r) for r runs.
    public static func assign(_ runs: [PlannedRun], count: Int) -> [Int] {
        precondition(count >= 1, "shard count must be ≥ 1")
        let keys = runs.map { (group: $0.config.dataGroupKey, seed: $0.seed, config: $0.config.sweepKey) }
        let order = runs.indices.sorted { a, b in
            let (x, y) = (keys[a], keys[b])
            if x.group != y.group { return x.group < y.group }
            if x.seed != y.seed { return x.seed < y.seed }
            return x.config < y.config
        }
        var shards = Array(repeating: 0, count: runs.count)
        for (position, run) in order.enumerated() {
            // The chunk of `position` when r runs are cut into `count` parts whose sizes differ by ≤ 1
            // (position < r ≤ maxRuns and count ≤ maxCount, so the product cannot overflow).
            shards[run] = position * count / runs.count
        }
        return shards
    }

    private static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
