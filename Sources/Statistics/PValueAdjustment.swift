/// Multiple-comparison adjustments of p-values.
///
/// Both functions return adjusted p-values in the order of their input (not sorted), capped at 1. NaN
/// entries stay NaN and are not counted among the m hypotheses (R's `p.adjust` convention).
public enum PValueAdjustment {
    /// Holm's step-down adjustment (controls the family-wise error rate).
    ///
    /// With p₍₁₎ ≤ … ≤ p₍ₘ₎, adjusted p₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1)·p₍ⱼ₎).
    ///
    /// - Parameter p: raw p-values.
    /// - Returns: Holm-adjusted p-values, same order as `p`.
    /// - Complexity: O(m log m).
    public static func holm(_ p: [Double]) -> [Double] {
        let order = p.indices.filter { !p[$0].isNaN }.sorted { p[$0] < p[$1] }
        let m = Double(order.count)
        var adjusted = [Double](repeating: .nan, count: p.count)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = Swift.max(running, Swift.min(1, (m - Double(rank)) * p[index]))
            adjusted[index] = running
        }
        return adjusted
    }

    /// Benjamini–Hochberg step-up adjustment (controls the false discovery rate under independence or
    /// positive dependence).
    ///
    /// With p₍₁₎ ≤ … ≤ p₍ₘ₎, adjusted p₍ᵢ₎ = min_{j ≥ i} min(1, m·p₍ⱼ₎/j) (scipy
    /// `false_discovery_control(method='bh')`).
    ///
    /// - Parameter p: raw p-values.
    /// - Returns: BH-adjusted p-values (q-values), same order as `p`.
    /// - Complexity: O(m log m).
    public static func benjaminiHochberg(_ p: [Double]) -> [Double] {
        let order = p.indices.filter { !p[$0].isNaN }.sorted { p[$0] < p[$1] }
        let m = Double(order.count)
        var adjusted = [Double](repeating: .nan, count: p.count)
        var running = 1.0
        for (rank, index) in order.enumerated().reversed() {
            running = Swift.min(running, m * p[index] / Double(rank + 1))
            adjusted[index] = running
        }
        return adjusted
    }
}
