/// Delta-method confidence interval for the ratio of means R = mean(b)/mean(a) of paired samples (e.g. one
/// pair per seed).
///
/// With ā, b̄ the means, s²_a, s²_b the sample variances and s_ab the sample covariance (divisor n − 1,
/// each by two passes), the first-order (delta method) standard error is
/// se(R) = √((s²_b − 2·R·s_ab + R²·s²_a)/n)/|ā| and the interval is R ± t_{1−α/2, n−1}·se(R) with
/// α = 1 − confidence. The radicand is the sample variance of b − R·a, so it is never negative; a rounding
/// error below 0 counts as 0. When every pair is the same (zero variance) the interval is [R, R].
public struct RatioDeltaInterval: Sendable, Equatable {
    /// Number of pairs.
    public var n: Int
    /// mean(b)/mean(a); ±∞ or NaN when mean(a) = 0, NaN when n = 0.
    public var ratio: Double
    /// Delta-method standard error of ``ratio``; NaN when n < 2 or the ratio is not finite.
    public var se: Double
    /// Lower bound of the interval; NaN when n < 2 or the ratio is not finite.
    public var ciLow: Double
    /// Upper bound of the interval; NaN when n < 2 or the ratio is not finite.
    public var ciHigh: Double
    /// Two-sided confidence level of the interval.
    public var confidence: Double

    /// Computes the interval for pairs (a[i], b[i]).
    ///
    /// - Parameters:
    ///   - a: the denominator's sample (e.g. scheme A per seed).
    ///   - b: the numerator's sample; same count as `a` (precondition).
    ///   - confidence: two-sided confidence level in (0, 1); default 0.95.
    public init(_ a: [Double], _ b: [Double], confidence: Double = 0.95) {
        precondition(a.count == b.count, "RatioDeltaInterval: paired samples must have equal counts")
        n = a.count
        self.confidence = confidence
        let count = Double(n)
        let meanA = n == 0 ? Double.nan : a.reduce(0, +) / count
        let meanB = n == 0 ? Double.nan : b.reduce(0, +) / count
        ratio = meanB / meanA
        guard n >= 2, ratio.isFinite else {
            se = .nan
            ciLow = .nan
            ciHigh = .nan
            return
        }
        var varA = 0.0
        var varB = 0.0
        var covAB = 0.0
        for (x, y) in zip(a, b) {
            varA += (x - meanA) * (x - meanA)
            varB += (y - meanB) * (y - meanB)
            covAB += (x - meanA) * (y - meanB)
        }
        varA /= count - 1
        varB /= count - 1
        covAB /= count - 1
        let radicand = (varB - 2 * ratio * covAB + ratio * ratio * varA) / count
        se = Swift.max(0, radicand).squareRoot() / abs(meanA)
        if se == 0 {
            ciLow = ratio
            ciHigh = ratio
        } else {
            let t = Distributions.studentTQuantile(0.5 + confidence / 2, df: count - 1)
            ciLow = ratio - t * se
            ciHigh = ratio + t * se
        }
    }
}
