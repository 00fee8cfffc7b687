/// Mann–Whitney U test (Wilcoxon rank-sum) of two independent samples A and B, with the rank-biserial
/// correlation as effect size.
///
/// Conventions (docs/science.md, "Statistical inference"):
/// - `uA` = number of pairs (a, b) with a > b, ties counting ½ (scipy's `statistic` for `x = A`).
/// - `rankBiserial` r = 2·U_A/(n_A·n_B) − 1 ∈ [−1, 1]; negative means A tends to be smaller
///   (A = (1, 2, 3), B = (4, 5, 6) gives U_A = 0, r = −1). It equals Cliff's delta.
/// - `p` is two-sided. Exact: 2·P(U ≥ max(U_A, U_B)) under the permutation null distribution of U without
///   ties (scipy `method='exact'`). Asymptotic: normal approximation with tie-corrected variance and a
///   continuity correction of ½ (scipy `method='asymptotic', use_continuity=True`); p = 1 when every value
///   is tied. `logP` keeps tiny p-values finite (e.g. the paper's p < 1e−23 and far beyond double range).
public struct MannWhitneyTest: Sendable, Equatable {
    /// How the p-value was computed.
    public enum Method: String, Sendable, Equatable {
        /// Exact null distribution of U (no ties).
        case exact
        /// Normal approximation with tie and continuity corrections.
        case asymptotic
    }

    /// Which method to use.
    public enum MethodChoice: Sendable, Equatable {
        /// Exact when there are no ties and the samples are small — both sizes ≤ 20, or the smaller ≤ 8
        /// (scipy's own `auto` rule, which is thus a subset of this one) — and the number of arrangements
        /// C(n_A + n_B, n_A) is below 2⁵², so every count is exact in a `Double`; asymptotic otherwise.
        case automatic
        /// Exact distribution even with ties (they are ignored, as in scipy); falls back to the
        /// asymptotic method when C(n_A + n_B, n_A) ≥ 2⁵².
        case exact
        /// Normal approximation.
        case asymptotic
    }

    /// Size of sample A.
    public var nA: Int
    /// Size of sample B.
    public var nB: Int
    /// U_A: pairs with a > b plus half the tied pairs.
    public var uA: Double
    /// Rank-biserial correlation 2·U_A/(n_A·n_B) − 1; negative when A is smaller. NaN for an empty sample.
    public var rankBiserial: Double
    /// Standardized statistic (max(U_A, U_B) − n_A·n_B/2 − ½)/σ with the tie-corrected σ (informative
    /// for both methods); −∞ when every value is tied.
    public var z: Double
    /// Two-sided p-value in [0, 1]; NaN for an empty sample or NaN input.
    public var p: Double
    /// Natural log of `p`, finite even when `p` underflows to 0.
    public var logP: Double
    /// The method actually used.
    public var method: Method
    /// Whether any value occurs more than once across both samples.
    public var hasTies: Bool

    /// Runs the test.
    ///
    /// - Parameters:
    ///   - a: sample A.
    ///   - b: sample B.
    ///   - method: method choice (default `.automatic`).
    /// - Complexity: O(n log n) for the ranks; the exact distribution costs O(n_A·n_B·min(n_A, n_B)).
    public init(_ a: [Double], _ b: [Double], method choice: MethodChoice = .automatic) {
        nA = a.count
        nB = b.count
        let pooled = a + b
        guard nA > 0, nB > 0, !pooled.contains(where: \.isNaN) else {
            uA = nA > 0 && nB > 0 ? .nan : 0
            rankBiserial = .nan
            z = .nan
            p = .nan
            logP = .nan
            method = .asymptotic
            hasTies = false
            return
        }
        let (ranks, groups) = Ranking.averageRanks(pooled)
        let rankSumA = ranks[0..<nA].reduce(0, +)
        let m = Double(nA)
        let n = Double(nB)
        uA = rankSumA - m * (m + 1) / 2
        rankBiserial = 2 * uA / (m * n) - 1
        hasTies = groups.contains { $0 > 1 }
        let u = Swift.max(uA, m * n - uA)

        let total = m + n
        let variance = m * n / 12 * ((total + 1) - Ranking.tieTerm(groups) / (total * (total - 1)))
        let numerator = u - m * n / 2 - 0.5
        z = variance > 0 ? numerator / variance.squareRoot() : -.infinity

        let exactFeasible = MannWhitneyTest.arrangementsFitExactly(nA, nB)
        let useExact: Bool
        switch choice {
        case .automatic:
            let small = Swift.max(nA, nB) <= 20 || Swift.min(nA, nB) <= 8
            useExact = !hasTies && small && exactFeasible
        case .exact: useExact = exactFeasible
        case .asymptotic: useExact = false
        }
        if useExact {
            method = .exact
            // P(U ≥ u) = P(U ≤ mn − u) by symmetry; u ≥ mn/2, so this sums the small lower tail.
            let upper = MannWhitneyTest.exactLowerTail(Int((m * n - u).rounded(.down)), nA, nB)
            p = Swift.min(1, 2 * upper)
            logP = Swift.min(0, Elementary.log(2) + Elementary.log(upper))
        } else {
            method = .asymptotic
            let logTail = Distributions.logNormalSF(z)
            p = Swift.min(1, 2 * Elementary.exp(logTail))
            logP = Swift.min(0, Elementary.log(2) + logTail)
        }
    }

    /// Whether C(m + n, m) < 2⁵², so that the exact-count recursion stays in exact integer arithmetic.
    static func arrangementsFitExactly(_ m: Int, _ n: Int) -> Bool {
        var count = 1.0
        let k = Swift.min(m, n)
        let total = m + n
        if k == 0 { return true }
        for i in 1...k {
            count = count * Double(total - k + i) / Double(i)
            if count >= 0x1p52 { return false }
        }
        return true
    }

    /// P(U ≤ k) under the null (no ties), from the exact counts of U over all C(m + n, m) arrangements.
    ///
    /// The counts are the coefficients of the Gaussian binomial [m + n choose m]_q = ∏ᵢ (1 − q^{n+i})/(1 − qⁱ),
    /// built one factor at a time in exact integer arithmetic (callers check C(m + n, m) < 2⁵²).
    static func exactLowerTail(_ k: Int, _ m: Int, _ n: Int) -> Double {
        if k < 0 { return 0 }
        let degree = m * n
        if k >= degree { return 1 }
        let counts = exactCounts(m, n)
        var below = 0.0
        for u in 0...k { below += counts[u] }
        let total = counts.reduce(0, +)
        return below / total
    }

    /// Number of arrangements giving U = u, for u = 0…m·n.
    static func exactCounts(_ m: Int, _ n: Int) -> [Double] {
        let small = Swift.min(m, n)
        let large = Swift.max(m, n)
        var c = [Double](repeating: 0, count: small * large + large + small + 1)
        c[0] = 1
        var degree = 0
        for i in stride(from: 1, through: small, by: 1) {
            // Multiply by (1 − q^{large+i}).
            let shift = large + i
            let top = degree + shift
            var index = top
            while index >= shift {
                c[index] -= c[index - shift]
                index -= 1
            }
            // Divide by (1 − q^i): the quotient is a polynomial of degree large·i.
            degree = large * i
            if i <= degree {
                for index in i...degree { c[index] += c[index - i] }
            }
            for index in (degree + 1)...top where index < c.count { c[index] = 0 }
        }
        return Array(c[0...(small * large)])
    }
}
