/// Average ranks with tie bookkeeping, shared by the rank tests.
enum Ranking {
    /// Ranks 1…n of `values`, ties receiving the average of the ranks they span ("average" or "mid"
    /// ranks, as scipy's `rankdata(method='average')`), and the sizes of the tie groups (groups of one
    /// included).
    ///
    /// - Parameter values: finite values (NaN is not ordered; callers reject it first).
    /// - Returns: `ranks[i]` for `values[i]`, and the size of every group of equal values.
    /// - Complexity: O(n log n).
    static func averageRanks(_ values: [Double]) -> (ranks: [Double], tieGroups: [Int]) {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var groups: [Int] = []
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, values[order[end]] == values[order[start]] { end += 1 }
            // Ranks start+1 … end share their mean, (start + 1 + end) / 2.
            let rank = Double(start + 1 + end) / 2
            for position in start..<end { ranks[order[position]] = rank }
            groups.append(end - start)
            start = end
        }
        return (ranks, groups)
    }

    /// Σ (t³ − t) over tie groups, the tie-correction term of the rank tests' variances.
    static func tieTerm(_ groups: [Int]) -> Double {
        groups.reduce(0.0) { sum, size in
            let t = Double(size)
            return sum + (t * t * t - t)
        }
    }
}
