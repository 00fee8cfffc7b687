import Quantization

/// The winner of one group of a comparison (stored in `compare_results.verdict`).
public enum CompareVerdict: String, Sendable, Equatable, CaseIterable {
    /// Scheme A is statistically better.
    case a
    /// Scheme B is statistically better.
    case b
    /// Neither: the paired CI covers 0, the Holm-adjusted p is not below alpha, or a statistic is undefined.
    case tie

    /// Decides a group's verdict. A tie (the CI covers 0) is never a win.
    ///
    /// - Parameters:
    ///   - diffLow: lower bound of the paired CI of mean(b − a) (of |value| for direction `zero`).
    ///   - diffHigh: upper bound of that CI.
    ///   - holmP: the Holm-adjusted Wilcoxon p-value.
    ///   - alpha: the significance level.
    ///   - direction: which way the metric is better; for `zero` the CI must be of |b| − |a|, and smaller
    ///     wins as for `lower`.
    /// - Returns: `.a`, `.b` or `.tie` (NaN bounds or p give `.tie`).
    public static func decide(
        diffLow: Double, diffHigh: Double, holmP: Double, alpha: Double, direction: MetricDirection
    ) -> CompareVerdict {
        guard holmP < alpha, diffLow > 0 || diffHigh < 0 else { return .tie }
        let bLarger = diffLow > 0
        switch direction {
        case .higher: return bLarger ? .b : .a
        case .lower, .zero: return bLarger ? .a : .b
        }
    }
}
