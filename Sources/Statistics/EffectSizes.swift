/// Effect sizes for two-sample comparisons.
public enum EffectSizes {
    /// Cliff's delta δ = (#(a > b) − #(a < b))/(n_A·n_B) over all cross pairs.
    ///
    /// δ ∈ [−1, 1]; negative when A tends to be smaller. It equals the Mann–Whitney rank-biserial
    /// correlation 2U_A/(n_A·n_B) − 1.
    ///
    /// - Parameters:
    ///   - a: sample A.
    ///   - b: sample B.
    /// - Returns: δ; NaN when a sample is empty or contains NaN.
    /// - Complexity: O((n_A + n_B) log(n_A + n_B)).
    public static func cliffsDelta(_ a: [Double], _ b: [Double]) -> Double {
        guard !a.isEmpty, !b.isEmpty, !a.contains(where: \.isNaN), !b.contains(where: \.isNaN) else { return .nan }
        let sortedB = b.sorted()
        var balance = 0
        for x in a {
            let below = lowerBound(sortedB, x)  // b < x
            let notAbove = upperBound(sortedB, x)  // b ≤ x
            balance += below - (sortedB.count - notAbove)
        }
        return Double(balance) / (Double(a.count) * Double(b.count))
    }

    /// First index whose value is ≥ x.
    private static func lowerBound(_ sorted: [Double], _ x: Double) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < x { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// First index whose value is > x.
    private static func upperBound(_ sorted: [Double], _ x: Double) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] <= x { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
