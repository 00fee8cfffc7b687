import ExperimentStore
import Quantization
import Statistics

/// One group of a comparison: the statistics of its pairs of runs (A = scheme A's run mean, B = scheme B's).
///
/// Every statistic is of the run means (of |value| when the metric's ideal is 0). NaN marks a statistic
/// that is undefined for the group (e.g. every CI of a group with one pair).
public struct CompareRow: Sendable, Equatable {
    /// The group's value of each `--by` switch, in the request's order.
    public var group: [SQLValue]
    /// Number of pairs of runs.
    public var n: Int
    /// Number of distinct seeds among the pairs.
    public var seeds: Int
    /// Mean of A.
    public var meanA: Double
    /// Mean of B.
    public var meanB: Double
    /// meanB / meanA.
    public var ratio: Double
    /// Lower bound of the bootstrap BCa CI of the ratio (pairs resampled; level 1 − alpha).
    public var ratioCILow: Double
    /// Upper bound of the bootstrap BCa CI of the ratio.
    public var ratioCIHigh: Double
    /// Lower bound of the paired t CI of mean(b − a) (level 1 − alpha).
    public var diffCILow: Double
    /// Upper bound of the paired t CI of mean(b − a).
    public var diffCIHigh: Double
    /// Two-sided p-value of the Wilcoxon signed-rank test (paired).
    public var wilcoxonP: Double
    /// log10 of ``wilcoxonP``, finite where the p-value underflows to 0.
    public var wilcoxonLog10P: Double
    /// Matched-pairs rank-biserial correlation (negative: A smaller).
    public var wilcoxonR: Double
    /// Mann-Whitney U_A (A vs B as independent samples): pairs with a > b, ties counting ½.
    public var mwU: Double
    /// Two-sided Mann-Whitney p-value.
    public var mwP: Double
    /// log10 of ``mwP``, finite where the p-value underflows to 0.
    public var mwLog10P: Double
    /// Rank-biserial correlation 2·U_A/(n_A·n_B) − 1 (negative: A smaller).
    public var mwR: Double
    /// ``wilcoxonP`` Holm-adjusted across the groups of the comparison.
    public var holmP: Double
    /// The winner at the request's alpha.
    public var verdict: CompareVerdict

    /// Computes a group's statistics; ``holmP`` is set to the raw p and ``verdict`` to `.tie` until
    /// ``CompareEngine`` adjusts across groups.
    ///
    /// - Parameters:
    ///   - group: the group's `--by` values.
    ///   - a: scheme A's value per pair (already |value| where the metric's ideal is 0).
    ///   - b: scheme B's value per pair; same count as `a`.
    ///   - seeds: the number of distinct seeds among the pairs.
    ///   - alpha: the CIs are at level 1 − alpha.
    ///   - resamples: bootstrap resamples.
    ///   - bootstrapSeed: seeds the bootstrap's generator.
    init(
        group: [SQLValue], a: [Double], b: [Double], seeds: Int, alpha: Double, resamples: Int,
        bootstrapSeed: UInt64
    ) {
        self.group = group
        n = a.count
        self.seeds = seeds
        meanA = n == 0 ? .nan : a.reduce(0, +) / Double(n)
        meanB = n == 0 ? .nan : b.reduce(0, +) / Double(n)
        ratio = meanB / meanA
        var generator = SplitMix64(seed: bootstrapSeed)
        let bootstrap = Bootstrap.ratioOfMeans(
            a, b, confidence: 1 - alpha, resamples: resamples, using: &generator)
        ratioCILow = bootstrap.bcaLow
        ratioCIHigh = bootstrap.bcaHigh
        let t = PairedTInterval(a, b, confidence: 1 - alpha)
        diffCILow = t.ciLow
        diffCIHigh = t.ciHigh
        let wilcoxon = WilcoxonSignedRankTest(a, b)
        wilcoxonP = wilcoxon.p
        wilcoxonLog10P = wilcoxon.logP / Self.ln10
        wilcoxonR = wilcoxon.rankBiserial
        let mw = MannWhitneyTest(a, b)
        mwU = mw.uA
        mwP = mw.p
        mwLog10P = mw.logP / Self.ln10
        mwR = mw.rankBiserial
        holmP = wilcoxonP
        verdict = .tie
    }

    /// ln 10: natural logs divided by it are base-10 logs.
    private static let ln10 = 2.302585092994045684
}
