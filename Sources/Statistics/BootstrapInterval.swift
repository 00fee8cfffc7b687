/// A bootstrap confidence interval: the percentile interval and the bias-corrected and accelerated
/// (BCa) interval of one statistic, from the same resamples.
public struct BootstrapInterval: Sendable, Equatable {
    /// The statistic on the original data.
    public var estimate: Double
    /// Lower bound of the percentile interval (the α/2 quantile of the bootstrap distribution, linear
    /// interpolation); NaN when undefined.
    public var percentileLow: Double
    /// Upper bound of the percentile interval (the 1 − α/2 quantile); NaN when undefined.
    public var percentileHigh: Double
    /// Lower bound of the BCa interval (Efron & Tibshirani 1993, §14.3); NaN when undefined.
    public var bcaLow: Double
    /// Upper bound of the BCa interval; NaN when undefined.
    public var bcaHigh: Double
    /// Two-sided confidence level.
    public var confidence: Double
    /// Number of bootstrap resamples B.
    public var resamples: Int
    /// BCa bias correction ẑ₀ = Φ⁻¹(share of replicates below the estimate, ties counting ½).
    public var biasCorrection: Double
    /// BCa acceleration â = Σ(θ̄ − θ₍ᵢ₎)³ / (6·(Σ(θ̄ − θ₍ᵢ₎)²)^{3/2}) from the jackknife (0 when the
    /// jackknife values are all equal).
    public var acceleration: Double

    /// An interval whose bounds are all NaN (degenerate input), keeping the estimate.
    static func undefined(estimate: Double, confidence: Double, resamples: Int) -> BootstrapInterval {
        BootstrapInterval(
            estimate: estimate, percentileLow: .nan, percentileHigh: .nan, bcaLow: .nan, bcaHigh: .nan,
            confidence: confidence, resamples: resamples, biasCorrection: .nan, acceleration: .nan)
    }
}
