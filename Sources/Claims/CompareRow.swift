import ExperimentStore
import Quantization
import Statistics

/// One group of a comparison: the statistics over its seeds, one (A, B) pair per seed.
///
/// A seed's A is the mean, over the group's pairs of runs of that seed (view `run_pairs`: one per cell, the
/// configs that differ only in switches outside `--by`), of scheme A's run means; B the same for scheme B.
/// Every statistic is of these per-seed values (of |value| when the metric's ideal is 0), so n is the
/// number of seeds. The verdict follows the paired 95% t-CI of b − a only; the p-values are reported
/// beside it. NaN marks a statistic that is undefined for the group (e.g. every CI of a group with one
/// seed).
public struct CompareRow: Sendable, Equatable {
    /// The group's value of each `--by` switch, in the request's order.
    public var group: [SQLValue]
    /// Scheme A's value per seed, in seed order.
    public var a: [Double]
    /// Scheme B's value per seed, in seed order (paired with ``a``).
    public var b: [Double]
    /// Number of seeds (the replicates).
    public var n: Int
    /// Number of seeds: equal to ``n`` (a column of `compare_results` since its first version).
    public var seeds: Int
    /// Mean of A over seeds.
    public var meanA: Double
    /// Mean of B over seeds.
    public var meanB: Double
    /// meanB / meanA.
    public var ratio: Double
    /// Lower bound of the delta-method 95% CI of the ratio over seeds (``RatioDeltaInterval``).
    public var ratioDeltaLow: Double
    /// Upper bound of the delta-method 95% CI of the ratio.
    public var ratioDeltaHigh: Double
    /// Lower bound of the bootstrap BCa 95% CI of the ratio (seeds resampled; reported only).
    public var ratioCILow: Double
    /// Upper bound of the bootstrap BCa 95% CI of the ratio.
    public var ratioCIHigh: Double
    /// mean(b − a) over seeds.
    public var diffMean: Double
    /// Lower bound of the paired 95% t CI of mean(b − a) over seeds: decides the verdict.
    public var diffCILow: Double
    /// Upper bound of the paired 95% t CI of mean(b − a).
    public var diffCIHigh: Double
    /// Two-sided p-value of the paired t test (0 when every seed has the same nonzero difference, 1 when
    /// every difference is 0).
    public var tP: Double
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
    /// ``tP`` Holm-adjusted across the groups of the comparison (reported only, never deciding).
    public var holmP: Double
    /// The better scheme by the paired t-CI and the metric's direction, or a tie.
    public var verdict: CompareVerdict

    /// Computes a group's statistics and its verdict; ``holmP`` is set to ``tP`` until ``CompareEngine``
    /// adjusts across groups.
    ///
    /// - Parameters:
    ///   - group: the group's `--by` values.
    ///   - a: scheme A's value per seed (already |value| where the metric's ideal is 0).
    ///   - b: scheme B's value per seed; same count as `a`.
    ///   - direction: which way the metric is better.
    ///   - resamples: bootstrap resamples.
    ///   - bootstrapSeed: seeds the bootstrap's generator.
    init(
        group: [SQLValue], a: [Double], b: [Double], direction: MetricDirection, resamples: Int,
        bootstrapSeed: UInt64
    ) {
        let confidence = CompareEngine.confidence
        self.group = group
        self.a = a
        self.b = b
        n = a.count
        seeds = n
        meanA = n == 0 ? .nan : a.reduce(0, +) / Double(n)
        meanB = n == 0 ? .nan : b.reduce(0, +) / Double(n)
        ratio = meanB / meanA
        let delta = RatioDeltaInterval(a, b, confidence: confidence)
        ratioDeltaLow = delta.ciLow
        ratioDeltaHigh = delta.ciHigh
        var generator = SplitMix64(seed: bootstrapSeed)
        let bootstrap = Bootstrap.ratioOfMeans(
            a, b, confidence: confidence, resamples: resamples, using: &generator)
        ratioCILow = bootstrap.bcaLow
        ratioCIHigh = bootstrap.bcaHigh
        let t = PairedTInterval(a, b, confidence: confidence)
        diffMean = t.meanDifference
        diffCILow = t.ciLow
        diffCIHigh = t.ciHigh
        tP = t.p
        let wilcoxon = WilcoxonSignedRankTest(a, b)
        wilcoxonP = wilcoxon.p
        wilcoxonLog10P = wilcoxon.logP / Self.ln10
        wilcoxonR = wilcoxon.rankBiserial
        let mw = MannWhitneyTest(a, b)
        mwU = mw.uA
        mwP = mw.p
        mwLog10P = mw.logP / Self.ln10
        mwR = mw.rankBiserial
        holmP = tP
        verdict = CompareVerdict.decide(diffLow: diffCILow, diffHigh: diffCIHigh, direction: direction)
    }

    /// ln 10: natural logs divided by it are base-10 logs.
    private static let ln10 = 2.302585092994045684
}
