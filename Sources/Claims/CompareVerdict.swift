import Quantization

/// The winner of one group of a comparison. `compare_results.verdict` stores the codes `a`, `b` and `tie`;
/// `kvlab compare` and the report print the scheme's name instead (``label(a:b:)``).
public enum CompareVerdict: String, Sendable, Equatable, CaseIterable {
    /// Scheme A is statistically better.
    case a
    /// Scheme B is statistically better.
    case b
    /// Neither: the paired CI of b − a covers 0 or is undefined (fewer than two seeds).
    case tie

    /// Decides a group's verdict from the paired 95% t-CI over seeds of b − a, and from nothing else: a CI
    /// that lies entirely on one side of 0 names the better scheme, a CI that covers 0 is a tie. A tie is
    /// never a win and a CI that excludes 0 is never a tie. When every seed has the same difference the CI
    /// is that difference (zero width), so its sign decides (exactly 0: a tie).
    ///
    /// - Parameters:
    ///   - diffLow: lower bound of the paired CI of mean(b − a) (of |b| − |a| for direction `zero`).
    ///   - diffHigh: upper bound of that CI.
    ///   - direction: which way the metric is better; for `zero` the CI must be of |b| − |a|, and smaller
    ///     wins as for `lower`.
    /// - Returns: `.a`, `.b` or `.tie` (NaN bounds give `.tie`).
    public static func decide(diffLow: Double, diffHigh: Double, direction: MetricDirection) -> CompareVerdict {
        guard diffLow > 0 || diffHigh < 0 else { return .tie }
        let bLarger = diffLow > 0
        switch direction {
        case .higher: return bLarger ? .b : .a
        case .lower, .zero: return bLarger ? .a : .b
        }
    }

    /// The verdict as printed: the better scheme's name, or `tie`.
    ///
    /// - Parameters:
    ///   - a: scheme A.
    ///   - b: scheme B.
    /// - Returns: e.g. `KQV`, `QKQV` or `tie`.
    public func label(a: String, b: String) -> String {
        switch self {
        case .a: return a
        case .b: return b
        case .tie: return "tie"
        }
    }

    /// ``label(a:b:)`` of two schemes' names.
    public func label(a: Scheme, b: Scheme) -> String { label(a: a.name, b: b.name) }
}
