import RealModule

/// Special functions used by the engine and the statistics layer.
///
/// Everything here is pure `Double` code: no I/O, no global state. Accuracy targets are ~1e-13 relative
/// in the body of each distribution and full relative accuracy in the tails where a complementary form is
/// used; the test suite checks them against values computed independently (scipy, mpmath).
public enum SpecialFunctions {
    /// Natural logarithm of the gamma function, ln Γ(x), for x > 0.
    ///
    /// - Parameter x: argument, x > 0.
    /// - Returns: ln Γ(x).
    @inlinable
    public static func logGamma(_ x: Double) -> Double {
        Double.logGamma(x)
    }

    /// Natural logarithm of the beta function, ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b).
    ///
    /// - Parameters:
    ///   - a: first shape, a > 0.
    ///   - b: second shape, b > 0.
    /// - Returns: ln B(a, b).
    public static func logBeta(_ a: Double, _ b: Double) -> Double {
        logGamma(a) + logGamma(b) - logGamma(a + b)
    }

    /// The error function erf(x).
    @inlinable
    public static func erf(_ x: Double) -> Double { Double.erf(x) }

    /// The complementary error function erfc(x) = 1 − erf(x), accurate for large x.
    @inlinable
    public static func erfc(_ x: Double) -> Double { Double.erfc(x) }

    /// Standard normal cumulative distribution function Φ(x), computed through erfc so that the
    /// lower tail keeps full relative accuracy.
    ///
    /// - Parameter x: argument.
    /// - Returns: P(Z ≤ x) for Z ~ N(0, 1).
    public static func normalCDF(_ x: Double) -> Double {
        0.5 * Double.erfc(-x / 2.0.squareRoot())
    }

    /// Standard normal survival function 1 − Φ(x), accurate in the upper tail.
    ///
    /// - Parameter x: argument.
    /// - Returns: P(Z > x) for Z ~ N(0, 1).
    public static func normalSF(_ x: Double) -> Double {
        0.5 * Double.erfc(x / 2.0.squareRoot())
    }

    /// Standard normal density φ(x).
    @inlinable
    public static func normalPDF(_ x: Double) -> Double {
        Double.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
    }

    /// Regularized incomplete beta function I_x(a, b).
    ///
    /// Uses the continued fraction of the incomplete beta (modified Lentz), applied on the side of the
    /// symmetry point where it converges fast: I_x(a, b) = 1 − I_{1−x}(b, a).
    ///
    /// - Parameters:
    ///   - x: upper limit in [0, 1].
    ///   - a: first shape, a > 0.
    ///   - b: second shape, b > 0.
    /// - Returns: I_x(a, b) in [0, 1]; NaN for arguments outside the domain.
    /// - Complexity: O(√max(a, b)) continued-fraction terms.
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        guard a > 0, b > 0, x >= 0, x <= 1, !x.isNaN else { return .nan }
        if x == 0 { return 0 }
        if x == 1 { return 1 }
        if x > (a + 1) / (a + b + 2) {
            return 1 - incompleteBetaSeries(1 - x, a: b, b: a)
        }
        return incompleteBetaSeries(x, a: a, b: b)
    }

    /// Complement of the regularized incomplete beta, 1 − I_x(a, b) = I_{1−x}(b, a), computed without
    /// cancellation when I_x(a, b) is close to 1.
    ///
    /// - Parameters:
    ///   - x: upper limit in [0, 1].
    ///   - a: first shape, a > 0.
    ///   - b: second shape, b > 0.
    /// - Returns: 1 − I_x(a, b).
    public static func regularizedIncompleteBetaComplement(_ x: Double, a: Double, b: Double) -> Double {
        guard a > 0, b > 0, x >= 0, x <= 1, !x.isNaN else { return .nan }
        return regularizedIncompleteBeta(1 - x, a: b, b: a)
    }

    /// I_x(a, b) by the continued fraction, valid (fast) for x ≤ (a + 1)/(a + b + 2).
    private static func incompleteBetaSeries(_ x: Double, a: Double, b: Double) -> Double {
        let logFront = a * Double.log(x) + b * Double.log(onePlus: -x) - logBeta(a, b)
        let front = Double.exp(logFront) / a
        return front * incompleteBetaContinuedFraction(x, a: a, b: b)
    }

    /// Continued fraction for the incomplete beta (Lentz's method).
    private static func incompleteBetaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        let eps = 1e-16
        var c = 1.0
        var d = 1.0 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        var m = 1.0
        while m < 100_000 {
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
