import RealModule

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

    /// ln P(Z > z) for Z ~ N(0, 1), finite far beyond the underflow of P itself (z ≈ 38.5).
    ///
    /// - Parameter z: standardized statistic.
    /// - Returns: the log survival probability; uses the asymptotic series of Mills' ratio above z = 30.
    static func logNormalSF(_ z: Double) -> Double {
        if z.isNaN { return .nan }
        if z < 30 { return Double.log(SpecialFunctions.normalSF(z)) }
        let w = 1 / (z * z)
        let series = 1 - w * (1 - 3 * w * (1 - 5 * w * (1 - 7 * w)))
        return -0.5 * z * z - Double.log(z) - 0.5 * Double.log(2 * Double.pi) + Double.log(series)
    }
}
