/// Paired t confidence interval and two-sided t test for the mean difference b − a of paired samples.
///
/// The differences dᵢ = bᵢ − aᵢ are summarised with ``Summary``; the interval is
/// d̄ ± t_{1−α/2, n−1}·s_d/√n and the statistic t = d̄/(s_d/√n) with n − 1 degrees of freedom (scipy
/// `ttest_rel(b, a)`). A tie — an interval that covers 0 — is never a win: see ``excludesZero``.
public struct PairedTInterval: Sendable, Equatable {
    /// Number of pairs.
    public var n: Int
    /// Mean difference d̄ = mean(b − a).
    public var meanDifference: Double
    /// Sample standard deviation of the differences; NaN when n < 2.
    public var sd: Double
    /// Standard error of the mean difference; NaN when n < 2.
    public var se: Double
    /// Degrees of freedom n − 1.
    public var df: Double
    /// t statistic d̄/se: ±∞ when se = 0 and d̄ ≠ 0, NaN when se = 0 and d̄ = 0 or when n < 2.
    public var t: Double
    /// Two-sided p-value of H₀: E[b − a] = 0: 0 when se = 0 and d̄ ≠ 0, 1 when every difference is 0,
    /// NaN when n < 2.
    public var p: Double
    /// Lower bound of the interval; NaN when n < 2.
    public var ciLow: Double
    /// Upper bound of the interval; NaN when n < 2.
    public var ciHigh: Double
    /// Two-sided confidence level of the interval.
    public var confidence: Double

    /// Computes the interval for pairs (a[i], b[i]).
    ///
    /// - Parameters:
    ///   - a: first member of each pair (e.g. scheme A per seed).
    ///   - b: second member of each pair; same count as `a` (precondition).
    ///   - confidence: two-sided confidence level in (0, 1); default 0.95.
    public init(_ a: [Double], _ b: [Double], confidence: Double = 0.95) {
        precondition(a.count == b.count, "PairedTInterval: paired samples must have equal counts")
        let summary = Summary(zip(a, b).map { $1 - $0 }, confidence: confidence)
        n = summary.n
        meanDifference = summary.mean
        sd = summary.sd
        se = summary.se
        df = Double(n - 1)
        ciLow = summary.ciLow
        ciHigh = summary.ciHigh
        self.confidence = confidence
        if n < 2 || se.isNaN {
            t = .nan
            p = .nan
        } else if se == 0 {
            t = meanDifference == 0 ? .nan : (meanDifference > 0 ? .infinity : -.infinity)
            p = meanDifference == 0 ? 1 : 0
        } else {
            t = meanDifference / se
            p = Swift.min(1, 2 * Distributions.studentTSF(abs(t), df: df))
        }
    }

    /// Whether the interval lies strictly on one side of 0 (a statistical difference). False for a tie
    /// (the interval covers 0) and when the interval is undefined (NaN).
    public var excludesZero: Bool {
        ciLow > 0 || ciHigh < 0
    }
}
