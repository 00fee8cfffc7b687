/// Sign test of paired samples (exact two-sided binomial test of P(a > b) = ½) with the Wilson score
/// interval of the proportion of pairs where a > b.
///
/// Tied pairs (a = b) are dropped, as in the classical sign test. With k = `positives` and n = `positives` +
/// `negatives`, p = min(1, 2·P(X ≤ min(k, n − k))) for X ~ Binomial(n, ½) (scipy `binomtest(k, n)`), computed
/// through the incomplete beta so that p keeps relative accuracy far into the tail.
public struct SignTest: Sendable, Equatable {
    /// Pairs with a > b.
    public var positives: Int
    /// Pairs with a < b.
    public var negatives: Int
    /// Pairs with a = b (dropped).
    public var ties: Int
    /// positives/(positives + negatives); NaN when every pair is tied.
    public var proportion: Double
    /// Two-sided exact binomial p-value; 1 when every pair is tied.
    public var p: Double
    /// Lower bound of the Wilson score interval of `proportion`; NaN when every pair is tied.
    public var wilsonLow: Double
    /// Upper bound of the Wilson score interval of `proportion`; NaN when every pair is tied.
    public var wilsonHigh: Double
    /// Two-sided confidence level of the Wilson interval.
    public var confidence: Double

    /// Runs the sign test on pairs (a[i], b[i]).
    ///
    /// - Parameters:
    ///   - a: first member of each pair.
    ///   - b: second member of each pair; same count as `a` (precondition). Pairs with a NaN are ignored.
    ///   - confidence: two-sided level of the Wilson interval; default 0.95.
    public init(_ a: [Double], _ b: [Double], confidence: Double = 0.95) {
        precondition(a.count == b.count, "SignTest: paired samples must have equal counts")
        var positives = 0
        var negatives = 0
        var ties = 0
        for (x, y) in zip(a, b) {
            if x > y {
                positives += 1
            } else if x < y {
                negatives += 1
            } else if x == y {
                ties += 1
            }
        }
        self.init(positives: positives, negatives: negatives, ties: ties, confidence: confidence)
    }

    /// Runs the sign test from counts.
    ///
    /// - Parameters:
    ///   - positives: pairs with a > b (successes), ≥ 0.
    ///   - negatives: pairs with a < b (failures), ≥ 0.
    ///   - ties: tied pairs, reported but unused.
    ///   - confidence: two-sided level of the Wilson interval; default 0.95.
    public init(positives: Int, negatives: Int, ties: Int = 0, confidence: Double = 0.95) {
        self.positives = positives
        self.negatives = negatives
        self.ties = ties
        self.confidence = confidence
        let trials = positives + negatives
        guard trials > 0 else {
            proportion = .nan
            p = 1
            wilsonLow = .nan
            wilsonHigh = .nan
            return
        }
        let n = Double(trials)
        let k = Swift.min(positives, negatives)
        if 2 * k == trials {
            p = 1
        } else {
            // P(X ≤ k) = I_{1/2}(n − k, k + 1).
            let lowerTail = SpecialFunctions.regularizedIncompleteBeta(0.5, a: n - Double(k), b: Double(k) + 1)
            p = Swift.min(1, 2 * lowerTail)
        }
        let share = Double(positives) / n
        proportion = share
        let z = Distributions.normalQuantile(0.5 + confidence / 2)
        let denominator = 2 * (n + z * z)
        let center = (2 * n * share + z * z) / denominator
        let halfWidth = z * (4 * n * share * (1 - share) + z * z).squareRoot() / denominator
        wilsonLow = center - halfWidth
        wilsonHigh = center + halfWidth
    }
}
