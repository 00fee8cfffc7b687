/// kvlab's own elementary functions, computed from IEEE-754 +, −, ×, ÷ and bit operations only.
///
/// The C library picks an implementation of exp, log, sin… by CPU at start-up (glibc: FMA+AVX2, FMA4 or
/// plain SSE2), and the variants differ in the last bit, so numbers computed with them depend on the
/// machine. These functions use only correctly rounded basic operations in a fixed order (Swift does
/// not contract a·b + c into a fused multiply-add), so they give the same bits on every IEEE-754 machine,
/// build, thread and process. Constants and polynomial coefficients come from
/// `scripts/golden/elementary.py` (mpmath, 60 digits) via `ElementaryTables.swift`.
///
/// Accuracy, measured against 60-digit references (`Tests/StatisticsTests/ElementaryTests.swift`, with
/// dense samples where the error analysis expects the worst cases): exp 0.51 ulp (up to 0.75 for
/// subnormal results, rounded twice), expm1 0.74, log 0.72, log1p 0.65, sin/cos of 2πu 1.15, atan2 0.95,
/// erf 3.6, erfc 7.2 ulps; logGamma 8.2e-15 relative (absolute where |log Γ| < 1, near its zeros at 1
/// and 2).
public enum Elementary {
    /// 1.5 · 2^52: adding and subtracting it rounds a double of magnitude < 2^51 to an integer (ties to even).
    @inlinable static var roundingShift: Double { 0x1.8p52 }

    /// a = head + tail with head holding the upper 26 significant bits (Veltkamp's split), so products of
    /// heads and tails are exact; for |a| < 2^996.
    @inlinable @inline(__always)
    static func split(_ a: Double) -> (head: Double, tail: Double) {
        let spread = a * 134_217_729  // 2^27 + 1
        let head = spread - (spread - a)
        return (head, a - head)
    }

    /// a·b = product + error exactly (Dekker's product without a fused multiply-add), when neither the
    /// split overflows nor the partial products underflow.
    static func exactProduct(_ a: Double, _ b: Double) -> (product: Double, error: Double) {
        let product = a * b
        let (aHead, aTail) = split(a)
        let (bHead, bTail) = split(b)
        return (product, ((aHead * bHead - product) + aHead * bTail + aTail * bHead) + aTail * bTail)
    }

    // MARK: exp and expm1

    /// x = (64m + j) · ln2/64 + r with j in 0…63 and |r| ≤ ln2/128 (a little more after rounding), for
    /// |x| < 2^40. k·ln2/64 is subtracted in two parts so r is accurate to a few ulps of itself.
    @inlinable @inline(__always)
    static func reduceExp(_ x: Double) -> (m: Int, j: Int, r: Double) {
        let shifted = x * sixtyFourOverLn2 + roundingShift
        let k = Int(Int32(truncatingIfNeeded: shifted.bitPattern))  // the integer sits in the low bits
        let kd = shifted - roundingShift
        let r = (x - kd * ln2Over64Head) - kd * ln2Over64Tail
        return (k >> 6, k & 63, r)
    }

    /// e^r − 1 for |r| ≤ 0.0055, by its Taylor polynomial of degree 7 (truncation < 1e-18 relative).
    @inlinable @inline(__always)
    static func expMinusOneSmall(_ r: Double) -> Double {
        let r2 = r * r
        let high = (1.0 / 24 + r * (1.0 / 120)) + r2 * (1.0 / 720 + r * (1.0 / 5040))
        return r + r2 * ((0.5 + r * (1.0 / 6)) + r2 * high)
    }

    /// 2^m for −1022 ≤ m ≤ 1023.
    @inlinable @inline(__always)
    static func powerOfTwo(_ m: Int) -> Double {
        Double(bitPattern: UInt64(truncatingIfNeeded: 1023 + m) << 52)
    }

    /// eˣ = 2^m · y with y = 2^(j/64) · e^r in [0.99, 2.01), for |x| < 2^40: the table keeps 2^(j/64) to
    /// twice double precision, so y is within about half an ulp.
    @inlinable @inline(__always)
    static func expScaled(_ x: Double) -> (m: Int, y: Double) {
        let (m, j, r) = reduceExp(x)
        let p = expMinusOneSmall(r)
        let (head, tail) = expTable(j)
        return (m, head + (tail + head * p))
    }

    /// eˣ, within about half an ulp.
    @inlinable
    public static func exp(_ x: Double) -> Double {
        guard abs(x) < 708 else { return expOutside(x) }
        let (m, y) = expScaled(x)
        return y * powerOfTwo(m)
    }

    /// eˣ for |x| ≥ 708 or NaN: overflow, underflow (gradual) and NaN.
    @usableFromInline
    static func expOutside(_ x: Double) -> Double {
        if x.isNaN { return x + x }
        if x > 709.8 { return .infinity }
        if x < -745.2 { return 0 }
        let (m, y) = expScaled(x)
        // Two exact-or-final scalings keep 2^m representable: only the last product rounds.
        return m > 0 ? y * powerOfTwo(m - 512) * powerOfTwo(512) : y * powerOfTwo(m + 1000) * powerOfTwo(-1000)
    }

    /// eˣ − 1 within one ulp, also for tiny x: by its Taylor polynomial of degree 13 for |x| < ¼
    /// (truncation < 1e-18 relative), else from the eˣ table.
    @inlinable
    public static func expm1(_ x: Double) -> Double {
        if abs(x) < 0.25 {
            let x2 = x * x
            let x4 = x2 * x2
            // Σ_{k=3}^{13} x^(k−3)/k!, by Estrin's scheme.
            let low = (1.0 / 6 + x * (1.0 / 24)) + x2 * (1.0 / 120 + x * (1.0 / 720))
            let middle = (1.0 / 5040 + x * (1.0 / 40320)) + x2 * (1.0 / 362_880 + x * (1.0 / 3_628_800))
            let high = (1.0 / 39_916_800 + x * (1.0 / 479_001_600)) + x2 * (1.0 / 6_227_020_800)
            let tail = low + x4 * (middle + x4 * high)
            return x + x * (0.5 * x + x2 * tail)
        }
        guard abs(x) < 708 else { return expm1Outside(x) }
        let (m, j, r) = reduceExp(x)
        let p = expMinusOneSmall(r)
        let scale = powerOfTwo(m)
        let (head, tail) = expTable(j)
        let small = scale * (tail + head * p)
        // 2^m·head − 1 is exact for −1 ≤ m ≤ 52. Below, eˣ < ½ is summed first and 1 subtracted last.
        return m < -1 ? (head * scale + small) - 1 : (head * scale - 1) + small
    }

    /// eˣ − 1 for |x| ≥ 708 or NaN.
    @usableFromInline
    static func expm1Outside(_ x: Double) -> Double {
        if x.isNaN { return x }
        return x > 0 ? expOutside(x) : -1
    }

    // MARK: log and log1p

    /// log(2^e · (1 + f)) for √2/2 − 1 ≤ f < √2 − 1, plus `low` (a small correction added before the
    /// final roundings): 2 atanh(s) with s = f/(2 + f), arranged so f enters exactly (error < 1 ulp).
    @inlinable @inline(__always)
    static func logKernel(_ f: Double, exponent e: Double, low: Double) -> Double {
        let s = f / (2 + f)
        let z = s * s
        let z2 = z * z
        let c = logCoefficients
        let p =
            (c.0 + z * c.1) + z2 * ((c.2 + z * c.3) + z2 * ((c.4 + z * c.5) + z2 * (c.6 + z * c.7)))
        let halfSquare = 0.5 * f * f
        return e * ln2Head - ((halfSquare - (s * (halfSquare + z * p) + (e * ln2Tail + low))) - f)
    }

    /// Splits a positive normal double's bits into x = 2^e · m with √2/2 ≤ m < √2; returns (e, m − 1).
    @inlinable @inline(__always)
    static func logSplit(_ bits: UInt64) -> (e: Double, f: Double) {
        let offset = bits &- 0x3fe6_a09e_667f_3bcd  // bits of √2/2
        let e = Int64(bitPattern: offset) >> 52
        let m = Double(bitPattern: bits &- (offset & 0xfff0_0000_0000_0000))
        return (Double(e), m - 1)
    }

    /// The natural logarithm: −∞ at 0, NaN below 0, within about one ulp elsewhere.
    @inlinable
    public static func log(_ x: Double) -> Double {
        let bits = x.bitPattern
        // Positive normal numbers lie in [0x0010…, 0x7ff0…); everything else takes the slow path.
        guard bits &- 0x0010_0000_0000_0000 < 0x7fe0_0000_0000_0000 else { return logOutside(x) }
        let (e, f) = logSplit(bits)
        return logKernel(f, exponent: e, low: 0)
    }

    /// log x for zero, negative, subnormal, infinite and NaN x.
    @usableFromInline
    static func logOutside(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x == .infinity { return x }
        let (e, f) = logSplit((x * 0x1p54).bitPattern)  // subnormal: scale into the normal range
        return logKernel(f, exponent: e - 54, low: 0)
    }

    /// log(1 + x), accurate to about one ulp also for tiny x.
    @inlinable
    public static func log1p(_ x: Double) -> Double {
        if x > -0.2928 && x < 0.4142 {
            return x == 0 ? x : logKernel(x, exponent: 0, low: 0)
        }
        return log1pOutside(x)
    }

    /// log(1 + x) outside (−0.2928, 0.4142): 1 + x is rounded and its rounding error c corrects the
    /// result by c/(1 + x).
    @usableFromInline
    static func log1pOutside(_ x: Double) -> Double {
        if x.isNaN || x == .infinity { return x }
        if x == -1 { return -.infinity }
        if x < -1 { return .nan }
        let u = 1 + x
        let c = x >= 1 ? 1 - (u - x) : x - (u - 1)
        let (e, f) = logSplit(u.bitPattern)
        return logKernel(f, exponent: e, low: c / u)
    }

    // MARK: sin and cos of 2πu

    /// (sin 2πu, cos 2πu) within about 1.2 ulps, for any finite u (NaN for ±∞ or NaN). The reduction
    /// to |f| ≤ 1/8 of a turn is exact, so there is no π rounding error at large arguments.
    @inlinable
    public static func sinCosTwoPi(_ u: Double) -> (sin: Double, cos: Double) {
        if u == 0 { return (u, 1) }
        var t = 4 * u  // quarter turns
        if !(abs(u) < 0x1p49) {  // below, |t| < 2^51: the rounding shift gives its nearest integer
            guard u.isFinite else { return (.nan, .nan) }
            t = 4 * (u - u.rounded(.down))  // exact: whole turns removed, t in [0, 4)
        }
        let n = (t + roundingShift) - roundingShift
        let f = 0.25 * (t - n)  // exact, |f| ≤ 1/8
        let z = f * f
        let z2 = z * z
        let a = sinTwoPiCoefficients
        let b = cosTwoPiCoefficients
        // sin 2πf = f · (a₀ + rest) with a₀ ≈ 2π; rest = a₁z + … + a₆z⁶.
        let rest = z * ((a.1 + z * a.2) + z2 * ((a.3 + z * a.4) + z2 * (a.5 + z * a.6)))
        let cosPart = (b.0 + z * b.1) + z2 * ((b.2 + z * b.3) + z2 * (b.4 + z * (b.5 + z * b.6)))
        // f · 2π carries most of sin 2πf: it is formed exactly from halves of f and of 2π (Veltkamp
        // split), so only the small remainder and the final sum round.
        let (fHead, fTail) = split(f)
        let s = fHead * twoPiHead + (fTail * twoPiHead + f * (twoPiTail + rest))
        let c = 1 + z * cosPart
        // The quadrant q rotates (s, c) by q quarter turns: odd q swaps them, and the sine's sign flips
        // for q = 2, 3, the cosine's for q = 1, 2. Done with selects and sign bits: q is random in the
        // engine's use (Box–Muller), so a branch on it would be mispredicted half the time.
        let q = UInt64(truncatingIfNeeded: Int(n)) & 3
        let odd = q & 1 == 1
        let sine = odd ? c : s
        let cosine = odd ? s : c
        let sineSign = (q & 2) << 62
        let cosineSign = ((q &+ 1) & 2) << 62
        return (
            Double(bitPattern: sine.bitPattern ^ sineSign), Double(bitPattern: cosine.bitPattern ^ cosineSign)
        )
    }

    // MARK: atan2 and atan

    /// atan(t + low) for 0 ≤ t ≤ 1 and a tiny correction `low` (the rounding error of t as a quotient):
    /// a polynomial below ⅛, else atan(c) + atan((t − c)/(1 + tc)) with c = j/8 the nearest eighth and
    /// 1 + tc carried to twice double precision.
    static func atanUnit(_ t: Double, low: Double) -> Double {
        if t < 0.125 {
            let z = t * t
            let z2 = z * z
            let a = atanSmallCoefficients
            let p = (a.0 + z * a.1) + z2 * ((a.2 + z * a.3) + z2 * ((a.4 + z * a.5) + z2 * (a.6 + z * a.7)))
            return t + (low + t * z * p)
        }
        let jd = (8 * t + roundingShift) - roundingShift
        let c = 0.125 * jd
        let (product, productError) = exactProduct(t, c)
        let denominator = 1 + product
        let denominatorError = ((1 - denominator) + product) + productError  // 1 ≥ product: exact sum
        let quotient = (t - c) / denominator  // t − c is exact
        let r = quotient - quotient * (denominatorError / denominator)
        let z = r * r
        let a = atanCoefficients
        let p = (a.0 + z * a.1) + (z * z) * ((a.2 + z * a.3) + (z * z) * (a.4 + z * a.5))
        let (head, tail) = atanTable(Int(jd))
        return head + ((tail + low / (1 + t * t)) + (r + r * z * p))
    }

    /// n/d as quotient + correction (the remainder n − quotient·d, exact, over d) for 0 < n ≤ d < ∞;
    /// the correction is 0 where the exact remainder could overflow or underflow.
    static func ratio(_ n: Double, _ d: Double) -> (quotient: Double, low: Double) {
        let quotient = n / d
        guard d < 0x1p900, n > 0x1p-900 else { return (quotient, 0) }
        let (product, error) = exactProduct(quotient, d)
        return (quotient, ((n - product) - error) / d)
    }

    /// The angle of the point (x, y) in (−π, π], with C99's signed-zero and infinity conventions.
    public static func atan2(_ y: Double, _ x: Double) -> Double {
        if x.isNaN || y.isNaN { return x + y }
        let ax = abs(x)
        let ay = abs(y)
        let negativeX = x.sign == .minus
        let angle: Double
        if ay <= ax {
            let a: Double  // atan(ay/ax) in [0, π/4]
            if ax == .infinity {
                a = ay == .infinity ? 0.5 * halfPiHead : 0
            } else if ax == 0 {
                a = 0
            } else {
                let (t, low) = ratio(ay, ax)
                a = atanUnit(t, low: low)
            }
            angle = negativeX ? piHead - (a - piTail) : a
        } else {
            var b = 0.0  // atan(ax/ay) in [0, π/4]
            if ay != .infinity && ax != 0 {
                let (t, low) = ratio(ax, ay)
                b = atanUnit(t, low: low)
            }
            angle = negativeX ? halfPiHead + (b + halfPiTail) : halfPiHead - (b - halfPiTail)
        }
        return y.sign == .minus ? -angle : angle
    }

    /// The arc tangent, in [−π/2, π/2].
    public static func atan(_ x: Double) -> Double {
        atan2(x, 1)
    }

    // MARK: erf and erfc

    /// e^(−x²) for |x| < 2^996, without the rounding of x² (which e^(−x²) would magnify by x² at large
    /// x): x = head + tail by Veltkamp's split, so head² is exact and x² = head² + tail·(head + x).
    static func expMinusSquare(_ x: Double) -> Double {
        let (head, tail) = split(x)
        return exp(-(head * head)) * exp(-(tail * (head + x)))
    }

    /// erf x for 0 ≤ x < 0.7 by the series of positive terms 2x e^(−x²)/√π · Σ (2x²)ⁿ/(1·3···(2n+1)).
    static func erfSeries(_ x: Double) -> Double {
        let z = 2 * x * x
        var sum = 0.0
        var term = 1.0
        var n = 0.0
        while term > 0x1p-56 * sum || sum == 0 {
            sum += term
            n += 1
            term *= z / (2 * n + 1)
        }
        return twoOverRootPi * x * expMinusSquare(x) * sum
    }

    /// erfc x for x ≥ 0.7: Γ(½, x²)/√π by Legendre's continued fraction, evaluated backwards from a
    /// fixed depth (20 + 100/x² terms: converged to double precision from x = 0.7 on; the backward
    /// recurrence damps its rounding errors, where forward (Lentz) evaluation accumulated ~100 ulps).
    static func erfcContinuedFraction(_ x: Double) -> Double {
        if x > 27.3 { return 0 }  // below the smallest subnormal
        let y = x * x
        var fraction = 0.0
        var i = Double(20 + Int(100 / y))
        while i >= 1 {
            fraction = -i * (i - 0.5) / (y + 2 * i + 0.5 + fraction)
            i -= 1
        }
        return expMinusSquare(x) * (x / (y + 0.5 + fraction)) * oneOverRootPi
    }

    /// The error function (below 0.7 by a series of positive terms, above as 1 − erfc).
    public static func erf(_ x: Double) -> Double {
        if x.isNaN { return x }
        let ax = abs(x)
        let value = ax < 0.7 ? erfSeries(ax) : 1 - erfcContinuedFraction(ax)
        return x.sign == .minus ? -value : value
    }

    /// The complementary error function 1 − erf x, with its relative accuracy kept in the upper tail
    /// (down to 1e-308 at x ≈ 26.5).
    public static func erfc(_ x: Double) -> Double {
        if x.isNaN { return x }
        let ax = abs(x)
        let upper = ax < 0.7 ? 1 - erfSeries(ax) : erfcContinuedFraction(ax)
        return x.sign == .minus ? 2 - upper : upper
    }

    // MARK: logGamma

    /// Stirling-series coefficients B₂ₖ/(2k(2k−1)), k = 1…7.
    static let stirlingCoefficients = (
        1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188, -691.0 / 360_360, 1.0 / 156
    )

    /// log Γ(x) for x > 0 (+∞ at 0 and +∞, NaN below 0): Stirling's series at x + n ≥ 12 after the
    /// recurrence Γ(x + 1) = x Γ(x).
    public static func logGamma(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x < 0 { return .nan }
        if x == 0 || x == .infinity { return .infinity }
        var y = x
        var product = 1.0
        while y < 12 {
            product *= y
            y += 1
        }
        let w = 1 / y
        let w2 = w * w
        let c = stirlingCoefficients
        let series =
            w * (c.0 + w2 * (c.1 + w2 * (c.2 + w2 * (c.3 + w2 * (c.4 + w2 * (c.5 + w2 * c.6))))))
        let logY = log(y)
        // (y − ½) log y − y + ½ log 2π, with log y − 1 exact (log y ≥ 2.4) and no overflow before the −y.
        let stirling = (y - 0.5) * (logY - 1) + ((halfLogTwoPi - 0.5) + series)
        return product == 1 ? stirling : stirling - log(product)
    }
}
