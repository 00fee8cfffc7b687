/// Normal and Student-t distribution functions: CDF, survival function, density and quantile.
///
/// Conventions: `…CDF` is the lower tail P(X ≤ x), `…SF` the upper tail P(X > x), each computed directly
/// (never as 1 − the other) so that tiny tail probabilities keep full relative accuracy. Quantiles take a
/// lower-tail probability p ∈ [0, 1] and return ±∞ at p = 0 and p = 1, NaN outside [0, 1].
public enum Distributions {
    // MARK: Normal

    /// Standard normal quantile Φ⁻¹(p) by Wichura's algorithm AS 241 (PPND16).
    ///
    /// Accurate to about 1e-16 relative over the whole range, including the far tails (p = 1e-300 gives
    /// −37.047…; p is never complemented, so the lower tail keeps full relative accuracy).
    ///
    /// - Parameter p: lower-tail probability in [0, 1].
    /// - Returns: z with Φ(z) = p; −∞ for p = 0, +∞ for p = 1, NaN outside [0, 1].
    public static func normalQuantile(_ p: Double) -> Double {
        guard p >= 0, p <= 1 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            return q * rational(r, numerator: as241Central.numerator, denominator: as241Central.denominator)
        }
        let tail = q < 0 ? p : 1 - p
        var r = (-Elementary.log(tail)).squareRoot()
        let z: Double
        if r <= 5 {
            r -= 1.6
            z = rational(r, numerator: as241Intermediate.numerator, denominator: as241Intermediate.denominator)
        } else {
            r -= 5
            z = rational(r, numerator: as241Far.numerator, denominator: as241Far.denominator)
        }
        return q < 0 ? -z : z
    }

    /// ln P(Z > z) for Z ~ N(0, 1), finite far beyond the underflow of P itself (z ≈ 38.5).
    ///
    /// - Parameter z: standardized statistic.
    /// - Returns: the log survival probability; uses the asymptotic series of Mills' ratio above z = 30.
    static func logNormalSF(_ z: Double) -> Double {
        if z.isNaN { return .nan }
        if z < 30 { return Elementary.log(SpecialFunctions.normalSF(z)) }
        let w = 1 / (z * z)
        let series = 1 - w * (1 - 3 * w * (1 - 5 * w * (1 - 7 * w)))
        return -0.5 * z * z - Elementary.log(z) - 0.5 * Elementary.log(2 * Double.pi) + Elementary.log(series)
    }

    // MARK: Student t

    /// Student-t cumulative distribution function P(T ≤ t) for ν = `df` degrees of freedom.
    ///
    /// Computed through the regularized incomplete beta, P(T > |t|) = ½ I_{ν/(ν+t²)}(ν/2, ½), with
    /// closed forms for ν = 1 and ν = 2 and the normal law for ν = ∞.
    ///
    /// - Parameters:
    ///   - t: argument.
    ///   - df: degrees of freedom ν > 0 (need not be an integer; `.infinity` gives the normal law).
    /// - Returns: P(T ≤ t); NaN when t or ν is NaN or ν ≤ 0.
    public static func studentTCDF(_ t: Double, df: Double) -> Double {
        guard !t.isNaN, df > 0 else { return .nan }
        let halves = studentTHalves(abs(t), df: df)
        return t < 0 ? halves.tail : 0.5 + halves.central
    }

    /// Student-t survival function P(T > t), accurate for tiny upper-tail probabilities.
    ///
    /// - Parameters:
    ///   - t: argument.
    ///   - df: degrees of freedom ν > 0 (`.infinity` gives the normal law).
    /// - Returns: P(T > t); NaN when t or ν is NaN or ν ≤ 0.
    public static func studentTSF(_ t: Double, df: Double) -> Double {
        guard !t.isNaN, df > 0 else { return .nan }
        let halves = studentTHalves(abs(t), df: df)
        return t > 0 ? halves.tail : 0.5 + halves.central
    }

    /// Student-t density f(t) for ν = `df` degrees of freedom.
    ///
    /// - Parameters:
    ///   - t: argument.
    ///   - df: degrees of freedom ν > 0 (`.infinity` gives the normal density).
    /// - Returns: f(t); NaN when ν ≤ 0.
    static func studentTPDF(_ t: Double, df: Double) -> Double {
        guard !t.isNaN, df > 0 else { return .nan }
        if df.isInfinite { return SpecialFunctions.normalPDF(t) }
        return Elementary.exp(logStudentTPDF(abs(t), df: df))
    }

    /// Student-t quantile: the t with P(T ≤ t) = p, to ~1e-14 relative.
    ///
    /// Closed forms for ν = 1 (Cauchy) and ν = 2; otherwise Hill's (1970, ACM 396) approximation refined
    /// by Newton steps on the tail probability (in log space in the tails, on the central mass near
    /// p = ½), so both p = 1e-300 and p = ½ ± 1e-12 keep full relative accuracy.
    ///
    /// - Parameters:
    ///   - p: lower-tail probability in [0, 1].
    ///   - df: degrees of freedom ν > 0, not necessarily an integer (`.infinity` gives Φ⁻¹).
    /// - Returns: the quantile; −∞ at p = 0, +∞ at p = 1, NaN when p ∉ [0, 1] or ν ≤ 0.
    public static func studentTQuantile(_ p: Double, df: Double) -> Double {
        guard p >= 0, p <= 1, df > 0 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return 0 }
        if df.isInfinite { return normalQuantile(p) }
        let lower = p < 0.5
        let tail = lower ? p : 1 - p  // exact: p ≥ ½ here
        let s = studentTUpperQuantile(tail: tail, df: df)
        return lower ? -s : s
    }

    /// The two halves of the t law at s ≥ 0: central mass P(0 < T ≤ s) and upper tail P(T > s), each with
    /// relative accuracy.
    static func studentTHalves(_ s: Double, df: Double) -> (central: Double, tail: Double) {
        if s == 0 { return (0, 0.5) }
        if s.isInfinite { return (0.5, 0) }
        if df.isInfinite {
            let tail = SpecialFunctions.normalSF(s)
            let central = 0.5 * Elementary.erf(s / 2.0.squareRoot())
            return (central, tail)
        }
        if df == 1 {
            return (Elementary.atan(s) / Double.pi, Elementary.atan2(1, s) / Double.pi)
        }
        if df == 2 {
            let u = s < 1e150 ? (2 + s * s).squareRoot() : s
            return (0.5 * (s / u), (1 / u) / (u + s))
        }
        let s2 = s * s
        let logX = Elementary.log(df) - 2 * Elementary.log(s)
        if logX < -600 {
            // x = ν/(ν + s²) below 1e-260 (or s² overflowing): I_x(ν/2, ½) = xᵃ/(a·B(a, ½))·(1 + O(x)).
            let a = df / 2
            return (0.5, 0.5 * Elementary.exp(a * logX - Elementary.log(a) - SpecialFunctions.logBeta(a, 0.5)))
        }
        let x = df / (df + s2)  // ν/(ν + s²)
        let y = s2 / (df + s2)  // s²/(ν + s²)
        let beta = SpecialFunctions.incompleteBeta(x: x, y: y, a: df / 2, b: 0.5)
        return (0.5 * beta.upper, 0.5 * beta.lower)
    }

    /// ln f(s) of the Student-t density.
    static func logStudentTPDF(_ s: Double, df: Double) -> Double {
        let s2 = s * s
        let logKernel: Double
        if s2.isInfinite || s2 / df > 1e300 {
            logKernel = 2 * Elementary.log(s) - Elementary.log(df)
        } else {
            logKernel = Elementary.log1p(s2 / df)
        }
        let logNorm = -SpecialFunctions.logBeta(0.5, df / 2) - 0.5 * Elementary.log(df)
        return logNorm - 0.5 * (df + 1) * logKernel
    }

    /// The s > 0 with P(T > s) = tail, for 0 < tail < ½.
    static func studentTUpperQuantile(tail: Double, df: Double) -> Double {
        if df == 1 {
            // P(T > s) = atan(1/s)/π ⇒ s = cot(π·tail).
            let (sine, cosine) = Elementary.sinCosTwoPi(0.5 * tail)  // of the angle π·tail
            return cosine / sine
        }
        if df == 2 {
            let alpha = 4 * tail * (1 - tail)
            return (1 - 2 * tail) * (2 / alpha).squareRoot()
        }
        var s = df >= 1 ? hillUpperQuantile(tail: tail, df: df) : asymptoticUpperQuantile(tail: tail, df: df)
        if !(s > 0) || !s.isFinite { s = 1 }
        let center = 0.5 - tail  // exact for tail ≥ ¼
        let logTail = Elementary.log(tail)
        for _ in 0..<60 {
            let halves = studentTHalves(s, df: df)
            var next: Double
            if tail >= 0.25 {
                // Newton on the central mass: F₀(s) = P(0 < T ≤ s) = ½ − tail.
                next = s - (halves.central - center) / Elementary.exp(logStudentTPDF(s, df: df))
            } else if s <= 1 {
                next = s + (halves.tail - tail) / Elementary.exp(logStudentTPDF(s, df: df))
            } else {
                // Newton in (ln s, ln P(T > s)), nearly linear in the tail; the slope s·f(s)/P(T > s)
                // is formed in logs because f underflows long before the tail probability does.
                let logSlope = Elementary.log(s) + logStudentTPDF(s, df: df) - Elementary.log(halves.tail)
                let step = (Elementary.log(halves.tail) - logTail) / Elementary.exp(logSlope)
                next = s * Elementary.exp(Swift.max(Swift.min(step, 50), -50))
            }
            if !(next > 0) { next = s / 2 }
            if !next.isFinite { next = s * 2 }
            let change = abs(next - s)
            s = next
            if change <= 1e-15 * s { break }
        }
        return s
    }

    /// Leading-order tail approximation P(T > s) ≈ K ν^{(ν−1)/2} s^{−ν}, K = 1/(√ν B(½, ν/2)): a starting
    /// point for ν < 1, where Hill's formula does not apply.
    static func asymptoticUpperQuantile(tail: Double, df: Double) -> Double {
        let logK = -SpecialFunctions.logBeta(0.5, df / 2) - 0.5 * Elementary.log(df)
        return Elementary.exp((logK + 0.5 * (df - 1) * Elementary.log(df) - Elementary.log(tail)) / df)
    }

    /// Hill's (1970) approximation to the upper-tail t quantile (ACM algorithm 396), about 1e-6 relative.
    static func hillUpperQuantile(tail: Double, df n: Double) -> Double {
        let twoSided = 2 * tail
        let a = 1 / (n - 0.5)
        let b = 48 / (a * a)
        var c = ((20700 * a / b - 98) * a - 16) * a + 96.36
        let d = ((94.5 / (b + c) - 3) / b + 1) * (a * Double.pi / 2).squareRoot() * n
        var y = Elementary.exp(2 / n * Elementary.log(d * twoSided))
        if y > 0.05 + a {
            let x = normalQuantile(0.5 * twoSided)
            y = x * x
            if n < 5 { c += 0.3 * (n - 4.5) * (x + 0.6) }
            c = (((0.05 * d * x - 5) * x - 7) * x - 2) * x + b + c
            y = (((((0.4 * y + 6.3) * y + 36) * y + 94.5) / c - y - 3) / b + 1) * x
            y = Elementary.expm1(a * y * y)
        } else {
            y =
                ((1 / (((n + 6) / (n * y) - 0.089 * d - 0.822) * (n + 2) * 3) + 0.5 / (n + 4)) * y - 1)
                * (n + 1) / (n + 2) + 1 / y
        }
        return (n * y).squareRoot()
    }

    // MARK: AS 241 coefficients

    /// Evaluates the rational function N(r)/D(r) with coefficients in ascending powers.
    private static func rational(_ r: Double, numerator: [Double], denominator: [Double]) -> Double {
        var num = 0.0
        for coefficient in numerator.reversed() { num = num * r + coefficient }
        var den = 0.0
        for coefficient in denominator.reversed() { den = den * r + coefficient }
        return num / den
    }

    private static let as241Central: (numerator: [Double], denominator: [Double]) = (
        [
            3.3871328727963666080e0, 1.3314166789178437745e+2, 1.9715909503065514427e+3,
            1.3731693765509461125e+4, 4.5921953931549871457e+4, 6.7265770927008700853e+4,
            3.3430575583588128105e+4, 2.5090809287301226727e+3,
        ],
        [
            1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2, 5.3941960214247511077e+3,
            2.1213794301586595867e+4, 3.9307895800092710610e+4, 2.8729085735721942674e+4,
            5.2264952788528545610e+3,
        ]
    )

    private static let as241Intermediate: (numerator: [Double], denominator: [Double]) = (
        [
            1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
            3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
            2.27238449892691845833e-2, 7.74545014278341407640e-4,
        ],
        [
            1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
            1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
            1.05075007164441684324e-9,
        ]
    )

    private static let as241Far: (numerator: [Double], denominator: [Double]) = (
        [
            6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
            2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
            2.71155556874348757815e-5, 2.01033439929228813265e-7,
        ],
        [
            1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
            7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
            2.04426310338993978564e-15,
        ]
    )
}
