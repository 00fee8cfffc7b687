/// Special functions used by the engine and the statistics layer.
///
/// Everything here is pure `Double` code: no I/O, no global state. Accuracy targets are ~1e-13 relative
/// in the body of each distribution and full relative accuracy in the tails where a complementary form is
/// used; the test suite checks them against values computed independently (scipy, committed as fixtures
/// by `scripts/golden/statistics.py`).
public enum SpecialFunctions {
    /// Natural logarithm of the gamma function, ln Γ(x), for x > 0.
    ///
    /// - Parameter x: argument, x > 0.
    /// - Returns: ln Γ(x).
    @inlinable
    public static func logGamma(_ x: Double) -> Double {
        Elementary.logGamma(x)
    }

    /// Natural logarithm of the beta function, ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b).
    ///
    /// Large arguments use Stirling's series on the differences, so that the result keeps ~1e-15
    /// absolute accuracy even when the three log-gammas are each of order 10⁴ or more.
    ///
    /// - Parameters:
    ///   - a: first shape, a > 0.
    ///   - b: second shape, b > 0.
    /// - Returns: ln B(a, b).
    public static func logBeta(_ a: Double, _ b: Double) -> Double {
        let small = Swift.min(a, b)
        let large = Swift.max(a, b)
        if small >= stirlingThreshold {
            // ln B = ½ln(2π) − ½ln(a b/(a+b)) + a ln(a/(a+b)) + b ln(b/(a+b)) − Δδ.
            let sum = a + b
            let logFront = 0.5 * Elementary.log(2 * Double.pi) - 0.5 * Elementary.log(a * b / sum)
            let mixed = -a * Elementary.log1p(b / a) - b * Elementary.log1p(a / b)
            return logFront + mixed - (stirlingCorrection(sum) - stirlingCorrection(a) - stirlingCorrection(b))
        }
        if large >= stirlingThreshold {
            return logGamma(small) - logGammaRatio(large, shift: small)
        }
        return logGamma(a) + logGamma(b) - logGamma(a + b)
    }

    /// Standard normal cumulative distribution function Φ(x), computed through erfc so that the
    /// lower tail keeps full relative accuracy.
    ///
    /// - Parameter x: argument.
    /// - Returns: P(Z ≤ x) for Z ~ N(0, 1).
    public static func normalCDF(_ x: Double) -> Double {
        0.5 * Elementary.erfc(-x / 2.0.squareRoot())
    }

    /// Standard normal survival function 1 − Φ(x), accurate in the upper tail.
    ///
    /// - Parameter x: argument.
    /// - Returns: P(Z > x) for Z ~ N(0, 1).
    public static func normalSF(_ x: Double) -> Double {
        0.5 * Elementary.erfc(x / 2.0.squareRoot())
    }

    /// Standard normal density φ(x).
    @inlinable
    public static func normalPDF(_ x: Double) -> Double {
        Elementary.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
    }

    /// Regularized incomplete beta function I_x(a, b).
    ///
    /// Uses the continued fraction of the incomplete beta (modified Lentz), applied on the side of the
    /// symmetry point where it converges fast: I_x(a, b) = 1 − I_{1−x}(b, a). The power prefactor
    /// xᵃ(1−x)ᵇ/B(a, b) is formed in log space with Stirling differences for large shapes, so that
    /// a = b = 2047.5 (the coordinate law of a 4096-dimensional unit vector) keeps ~1e-13 accuracy.
    ///
    /// - Parameters:
    ///   - x: upper limit in [0, 1].
    ///   - a: first shape, a > 0.
    ///   - b: second shape, b > 0.
    /// - Returns: I_x(a, b) in [0, 1]; NaN for arguments outside the domain.
    /// - Complexity: O(√max(a, b)) continued-fraction terms.
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        guard a > 0, b > 0, x >= 0, x <= 1 else { return .nan }
        return incompleteBeta(x: x, y: 1 - x, a: a, b: b).lower
    }

    /// Complement of the regularized incomplete beta, 1 − I_x(a, b) = I_{1−x}(b, a), computed without
    /// cancellation when I_x(a, b) is close to 1.
    ///
    /// - Parameters:
    ///   - x: upper limit in [0, 1].
    ///   - a: first shape, a > 0.
    ///   - b: second shape, b > 0.
    /// - Returns: 1 − I_x(a, b); NaN for arguments outside the domain.
    public static func regularizedIncompleteBetaComplement(_ x: Double, a: Double, b: Double) -> Double {
        guard a > 0, b > 0, x >= 0, x <= 1 else { return .nan }
        return incompleteBeta(x: x, y: 1 - x, a: a, b: b).upper
    }

    /// Both tails of the regularized incomplete beta, I_x(a, b) and 1 − I_x(a, b), from x and y = 1 − x
    /// given separately (callers that know 1 − x more accurately than `1 - x` pass it).
    ///
    /// - Parameters:
    ///   - x: upper limit in [0, 1].
    ///   - y: 1 − x, computed by the caller.
    ///   - a: first shape, a > 0.
    ///   - b: second shape, b > 0.
    /// - Returns: `lower` = I_x(a, b) and `upper` = 1 − I_x(a, b), each with relative accuracy in its
    ///   own tail. No domain check: callers validate.
    static func incompleteBeta(x: Double, y: Double, a: Double, b: Double) -> (lower: Double, upper: Double) {
        if x <= 0 { return (0, 1) }
        if y <= 0 { return (1, 0) }
        if x <= (a + 1) / (a + b + 2) {
            let lower = continuedFractionSide(x: x, y: y, a: a, b: b)
            return (lower, 1 - lower)
        }
        let upper = continuedFractionSide(x: y, y: x, a: b, b: a)
        return (1 - upper, upper)
    }

    /// Shapes at or above which Stirling's series replaces direct log-gamma differences.
    static let stirlingThreshold = 10.0

    /// δ(z) = ln Γ(z) − [(z − ½) ln z − z + ½ ln 2π], the remainder of Stirling's formula, for z ≥ 10.
    ///
    /// - Parameter z: argument, z ≥ 10 (truncation error below 1e-17 there).
    /// - Returns: δ(z) by its asymptotic series.
    static func stirlingCorrection(_ z: Double) -> Double {
        let w = 1 / (z * z)
        let series =
            1.0 / 12 - w * (1.0 / 360 - w * (1.0 / 1260 - w * (1.0 / 1680 - w * (1.0 / 1188 - w * (691.0 / 360_360)))))
        return series / z
    }

    /// ln Γ(z + s) − ln Γ(z) for z ≥ 10 and s > 0, without the cancellation of two large log-gammas.
    ///
    /// - Parameters:
    ///   - z: base argument, z ≥ 10.
    ///   - s: positive shift.
    /// - Returns: ln[Γ(z + s)/Γ(z)].
    static func logGammaRatio(_ z: Double, shift s: Double) -> Double {
        let sum = z + s
        return s * Elementary.log(sum) + (z - 0.5) * Elementary.log1p(s / z) - s
            + stirlingCorrection(sum) - stirlingCorrection(z)
    }

    /// ln[xᵃ yᵇ / B(a, b)], the log prefactor of the incomplete beta, accurate for large a and b.
    ///
    /// The smaller of x and y = 1 − x is taken as exact and the other's logarithm derived from it with
    /// log1p, so a y rounded by `1 - x` costs nothing. For a, b ≥ 10 the prefactor is
    /// a·ln(x/x₀) + b·ln(y/y₀) + ½ ln(ab/(2π(a+b))) + Δδ with x₀ = a/(a+b), written through
    /// log1p(u) − u so that the terms of order a·u cancel analytically (a·u + b·v = 0).
    static func logPowerPrefactor(x: Double, y: Double, a: Double, b: Double) -> Double {
        let xIsSmaller = x <= y
        let logX = xIsSmaller ? Elementary.log(x) : Elementary.log1p(-y)
        let logY = xIsSmaller ? Elementary.log1p(-x) : Elementary.log(y)
        guard Swift.min(a, b) >= stirlingThreshold else {
            return a * logX + b * logY - logBeta(a, b)
        }
        let sum = a + b
        let x0 = a / sum
        let y0 = b / sum
        let excess = xIsSmaller ? x - x0 : y0 - y  // x − x₀ = y₀ − y
        let u = excess / x0
        let v = -excess / y0
        // ln(x/x₀) − u, with ln x₀ = −log1p(b/a) and ln y₀ = −log1p(a/b).
        let termA = abs(u) < 0.5 ? Elementary.log1p(u) - u : logX + Elementary.log1p(b / a) - u
        let termB = abs(v) < 0.5 ? Elementary.log1p(v) - v : logY + Elementary.log1p(a / b) - v
        let front = 0.5 * Elementary.log(a * b / (sum * 2 * Double.pi))
        let delta = stirlingCorrection(sum) - stirlingCorrection(a) - stirlingCorrection(b)
        return a * termA + b * termB + front + delta
    }

    /// I_x(a, b) by the continued fraction, valid (fast) for x ≤ (a + 1)/(a + b + 2).
    private static func continuedFractionSide(x: Double, y: Double, a: Double, b: Double) -> Double {
        let logFront = logPowerPrefactor(x: x, y: y, a: a, b: b)
        let front = Elementary.exp(logFront) / a
        if front == 0 { return 0 }
        return front * incompleteBetaContinuedFraction(x, a: a, b: b)
    }

    /// Continued fraction for the incomplete beta (Lentz's method).
    private static func incompleteBetaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        let eps = 2.5e-16
        var c = 1.0
        var d = 1.0 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        var m = 1.0
        while m < 1_000_000 {
            let m2 = 2 * m
            // Even step.
            var numerator = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            result *= d * c
            // Odd step.
            numerator = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            result *= delta
            if abs(delta - 1) < eps { break }
            m += 1
        }
        return result
    }
}
