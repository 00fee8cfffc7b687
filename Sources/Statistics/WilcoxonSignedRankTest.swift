/// Wilcoxon signed-rank test of paired samples, with the matched-pairs rank-biserial correlation.
///
/// Conventions:
/// - Differences are d = a − b (scipy `wilcoxon(a, b)`), so positive statistics mean A tends to be larger,
///   as for ``MannWhitneyTest``.
/// - Zero differences are dropped before ranking (Wilcoxon's convention, scipy's default
///   `zero_method='wilcox'`); the remaining |d| get average ranks.
/// - `wPlus` and `wMinus` are the rank sums of the positive and negative differences;
///   `rankBiserial` r = (W⁺ − W⁻)/(W⁺ + W⁻) ∈ [−1, 1] (Kerby's matched-pairs rank-biserial; negative: A
///   smaller). When every difference is zero: W⁺ = W⁻ = 0, r = 0 and p = 1.
/// - `p` is two-sided. Exact: 2·min(P(W⁺ ≤ w), P(W⁺ ≥ w)) over the 2^n equally likely sign assignments of
///   the observed ranks (the classical exact null without ties; the exact permutation null with ties or
///   zeros, as scipy's `PermutationMethod` computes it for n ≤ 13). Asymptotic: normal approximation with
///   the tie-corrected variance n(n+1)(2n+1)/24 − Σ(t³ − t)/48, optionally continuity-corrected.
public struct WilcoxonSignedRankTest: Sendable, Equatable {
    /// How the p-value was computed.
    public enum Method: String, Sendable, Equatable {
        /// Exact sign-flip distribution of the observed ranks.
        case exact
        /// Normal approximation.
        case asymptotic
    }

    /// Which method to use.
    public enum MethodChoice: Sendable, Equatable {
        /// scipy's `auto` rule: exact when there are at most 50 pairs and no ties or zeros; still exact
        /// (the permutation distribution) when there are ties or zeros but at most 13 pairs; asymptotic
        /// otherwise. Pair counts include zero differences.
        case automatic
        /// Exact sign-flip distribution, whatever n (cost O(n³)).
        case exact
        /// Normal approximation.
        case asymptotic
    }

    /// Number of pairs, zero differences included.
    public var n: Int
    /// Number of non-zero differences (the effective sample size).
    public var nonZero: Int
    /// Rank sum of the positive differences (a > b).
    public var wPlus: Double
    /// Rank sum of the negative differences (a < b).
    public var wMinus: Double
    /// Matched-pairs rank-biserial correlation (W⁺ − W⁻)/(W⁺ + W⁻); 0 when every difference is zero.
    public var rankBiserial: Double
    /// Standardized statistic (W⁺ − n(n+1)/4)/σ (with the continuity correction when requested); NaN when
    /// every difference is zero.
    public var z: Double
    /// Two-sided p-value in [0, 1].
    public var p: Double
    /// Natural log of `p`, finite even when `p` underflows to 0.
    public var logP: Double
    /// The method actually used.
    public var method: Method
    /// Whether any non-zero |d| are tied.
    public var hasTies: Bool

    /// Runs the test on pairs (a[i], b[i]).
    ///
    /// - Parameters:
    ///   - a: first member of each pair.
    ///   - b: second member of each pair; same count as `a` (precondition).
    ///   - method: method choice (default `.automatic`).
    ///   - continuityCorrection: subtract ½ from |W⁺ − mean| in the normal approximation (scipy
    ///     `correction=True`); default `false`, scipy's default.
    public init(
        _ a: [Double], _ b: [Double], method choice: MethodChoice = .automatic, continuityCorrection: Bool = false
    ) {
        precondition(a.count == b.count, "WilcoxonSignedRankTest: paired samples must have equal counts")
        n = a.count
        let differences = zip(a, b).map { $0 - $1 }
        let nonZeroDifferences = differences.filter { $0 != 0 }
        nonZero = nonZeroDifferences.count
        guard !differences.contains(where: \.isNaN) else {
            (wPlus, wMinus, rankBiserial, z, p, logP) = (.nan, .nan, .nan, .nan, .nan, .nan)
            method = .asymptotic
            hasTies = false
            return
        }
        let (ranks, groups) = Ranking.averageRanks(nonZeroDifferences.map { abs($0) })
        var plus = 0.0
        var minus = 0.0
        for (difference, rank) in zip(nonZeroDifferences, ranks) {
            if difference > 0 { plus += rank } else { minus += rank }
        }
        wPlus = plus
        wMinus = minus
        hasTies = groups.contains { $0 > 1 }
        rankBiserial = nonZero == 0 ? 0 : (plus - minus) / (plus + minus)

        let count = Double(nonZero)
        let mean = count * (count + 1) / 4
        let variance = (count * (count + 1) * (2 * count + 1) - Ranking.tieTerm(groups) / 2) / 24
        let sigma = variance.squareRoot()
        var standardized = (plus - mean) / sigma
        if continuityCorrection, standardized != 0 {
            standardized -= (standardized > 0 ? 0.5 : -0.5) / sigma
        }
        z = nonZero == 0 ? .nan : standardized

        let useExact: Bool
        switch choice {
        case .automatic:
            let clean = !hasTies && nonZero == n
            useExact = (clean && n <= 50) || (!clean && n <= 13)
        case .exact: useExact = true
        case .asymptotic: useExact = false
        }
        if nonZero == 0 {
            method = useExact ? .exact : .asymptotic
            p = 1
            logP = 0
        } else if useExact {
            method = .exact
            let tail = WilcoxonSignedRankTest.exactTail(ranks: ranks, observed: plus)
            p = Swift.min(1, 2 * tail)
            logP = Swift.min(0, Elementary.log(2) + Elementary.log(tail))
        } else {
            method = .asymptotic
            let logTail = Distributions.logNormalSF(abs(standardized))
            p = Swift.min(1, 2 * Elementary.exp(logTail))
            logP = Swift.min(0, Elementary.log(2) + logTail)
        }
    }

    /// min(P(W⁺ ≤ w), P(W⁺ ≥ w)) when each rank joins W⁺ independently with probability ½.
    ///
    /// Ranks are average ranks, hence multiples of ½; doubled they are integers, and the distribution of
    /// the doubled sum is counted exactly by a subset-sum recursion (all additions, no cancellation).
    ///
    /// - Complexity: O(n · Σ 2·rank) = O(n³).
    static func exactTail(ranks: [Double], observed: Double) -> Double {
        let doubled = ranks.map { Int((2 * $0).rounded()) }
        let total = doubled.reduce(0, +)
        var counts = [Double](repeating: 0, count: total + 1)
        counts[0] = 1
        var reach = 0
        for weight in doubled {
            reach += weight
            var index = reach
            while index >= weight {
                counts[index] += counts[index - weight]
                index -= 1
            }
        }
        let target = Int((2 * observed).rounded())
        var lower = 0.0
        var upper = 0.0
        for (sum, count) in counts.enumerated() {
            if sum <= target { lower += count }
            if sum >= target { upper += count }
        }
        let all = counts.reduce(0, +)
        return Swift.min(lower, upper) / all
    }
}
