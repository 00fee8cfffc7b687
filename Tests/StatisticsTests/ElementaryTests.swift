import Foundation
import Statistics
import Testing

@testable import Statistics

/// kvlab's own elementary functions against 60-digit mpmath references (`scripts/golden/elementary.py`),
/// against the platform's C library (an independent implementation) and at IEEE special values.
@Suite struct ElementaryTests {
    /// The fixture's rows for one function: [x, hi, lo] (atan2: [y, x, hi, lo]), exact result hi + lo.
    static func rows(_ name: String) throws -> [[Double]] {
        let cases = try Fixture("elementary.json").root["cases"]?[name]?.array ?? []
        return cases.map { Fixture.doubles($0) }
    }

    /// The error of `value` in units of the last place of the correctly rounded result `hi` (exact result
    /// hi + lo); ∞ when one is non-finite and they differ.
    static func ulpError(_ value: Double, hi: Double, lo: Double) -> Double {
        if !hi.isFinite || !value.isFinite { return value == hi || (value.isNaN && hi.isNaN) ? 0 : .infinity }
        if hi == 0 { return value == 0 ? 0 : .infinity }
        return abs((value - hi) - lo) / hi.ulp
    }

    /// Maximum ulp error over a function's fixture rows, with the worst argument.
    static func worst(_ name: String, _ f: (Double) -> Double) throws -> (error: Double, at: Double, count: Int) {
        let rows = try rows(name)
        var worst = (error: 0.0, at: 0.0, count: rows.count)
        for row in rows {
            let error = ulpError(f(row[0]), hi: row[1], lo: row[2])
            if error > worst.error { worst = (error, row[0], rows.count) }
        }
        return worst
    }

    /// Bounds a little above the measured maxima (exp 0.51 ulp, expm1 0.74, log 0.72, log1p 0.65, sin/cos of
    /// 2πu 1.15), so a change
    /// that loses accuracy fails while the present implementation has headroom against rounding luck.
    @Test(arguments: [
        ("exp", 0.52), ("expm1", 1.0), ("log", 0.9), ("log1p", 0.9), ("sinTwoPi", 1.3), ("cosTwoPi", 1.3),
    ])
    func accuracyAgainstReferences(name: String, bound: Double) throws {
        let f: (Double) -> Double
        switch name {
        case "exp": f = Elementary.exp
        case "expm1": f = Elementary.expm1
        case "log": f = Elementary.log
        case "log1p": f = Elementary.log1p
        case "sinTwoPi": f = { Elementary.sinCosTwoPi($0).sin }
        default: f = { Elementary.sinCosTwoPi($0).cos }
        }
        let result = try Self.worst(name, f)
        #expect(result.count > 1000)
        #expect(result.error <= bound, "\(name): \(result.error) ulp at \(result.at)")
    }

    /// erf and erfc by series and continued fraction: errors of a few ulps (measured 3.6 and 7.2; erfc is
    /// 1 − erf below 0.7), far below what p-values and cell masses need.
    @Test func erfAndErfcAgainstReferences() throws {
        let erf = try Self.worst("erf", Elementary.erf)
        let erfc = try Self.worst("erfc", Elementary.erfc)
        #expect(erf.count > 1000 && erfc.count > 1500)
        #expect(erf.error <= 5, "erf: \(erf.error) ulp at \(erf.at)")
        #expect(erfc.error <= 10, "erfc: \(erfc.error) ulp at \(erfc.at)")
    }

    @Test func atan2AgainstReferences() throws {
        let rows = try Self.rows("atan2")
        #expect(rows.count > 2000)
        var worst = 0.0
        for row in rows {
            let error = Self.ulpError(Elementary.atan2(row[0], row[1]), hi: row[2], lo: row[3])
            #expect(error <= 1.2, "atan2(\(row[0]), \(row[1])): \(error) ulp")
            worst = max(worst, error)
        }
        #expect(worst > 0)  // the comparison is live: some results are not correctly rounded
    }

    /// logGamma's error is relative away from its zeros (x = 1, 2) and absolute near them.
    @Test func logGammaAgainstReferences() throws {
        let rows = try Self.rows("logGamma")
        #expect(rows.count > 1000)
        var worst = 0.0
        for row in rows {
            let value = Elementary.logGamma(row[0])
            let exact = row[1] + row[2]
            let error = abs(value - exact) / max(1, abs(exact))
            #expect(error <= 1e-14, "logGamma(\(row[0])) = \(value), not \(exact)")
            worst = max(worst, error)
        }
        #expect(worst > 1e-16)  // live: the comparison sees real rounding differences
        #expect(Elementary.logGamma(1) == 0 || abs(Elementary.logGamma(1)) < 1e-15)
    }

    /// The C library is an independent implementation within about one ulp; ours must stay within two
    /// ulps of it everywhere and agree exactly on most arguments.
    @Test func agreesWithTheCLibrary() {
        var generator = SplitMix64(seed: 2026_12_06)
        func uniform(_ low: Double, _ high: Double) -> Double {
            low + (high - low) * (Double(generator.next() >> 11) * 0x1p-53)
        }
        var identical = 0
        var total = 0
        func check(_ ours: Double, _ theirs: Double, _ what: @autoclosure () -> String) {
            total += 1
            if ours == theirs { identical += 1 }
            #expect(abs(ours - theirs) <= 2 * theirs.ulp, "\(what()): \(ours) vs C \(theirs)")
        }
        for _ in 0..<20_000 {
            let x = uniform(-700, 700)
            check(Elementary.exp(x), Foundation.exp(x), "exp(\(x))")
            let small = uniform(-3, 3)
            check(Elementary.exp(small), Foundation.exp(small), "exp(\(small))")
            check(Elementary.expm1(small), Foundation.expm1(small), "expm1(\(small))")
            let positive = Foundation.exp(uniform(-700, 700))
            check(Elementary.log(positive), Foundation.log(positive), "log(\(positive))")
            let near = uniform(-0.99, 4)
            check(Elementary.log1p(near), Foundation.log1p(near), "log1p(\(near))")
            let u = uniform(0, 1)
            let (s, c) = Elementary.sinCosTwoPi(u)
            // The C library sees 2πu rounded (up to 4.4e-16 off), so the two agree only absolutely.
            #expect(
                abs(s - Foundation.sin(2 * Double.pi * u)) <= 1e-15
                    && abs(c - Foundation.cos(2 * Double.pi * u)) <= 1e-15)
            let y = uniform(-10, 10)
            let x2 = uniform(-10, 10)
            check(Elementary.atan2(y, x2), Foundation.atan2(y, x2), "atan2(\(y), \(x2))")
            let g = uniform(0.01, 200)
            #expect(abs(Elementary.logGamma(g) - Foundation.lgamma(g)) <= 1.5e-14 * max(1, abs(Foundation.lgamma(g))))
        }
        #expect(Double(identical) > 0.9 * Double(total), "\(identical) of \(total) identical")
    }

    @Test func specialValues() {
        let inf = Double.infinity
        #expect(Elementary.exp(.nan).isNaN && Elementary.exp(inf) == inf && Elementary.exp(-inf) == 0)
        #expect(Elementary.exp(0) == 1 && Elementary.exp(-0.0) == 1 && Elementary.exp(710) == inf)
        #expect(Elementary.exp(-746) == 0 && Elementary.exp(-745) == 0x1p-1074)
        #expect(Elementary.exp(709.78) == Foundation.exp(709.78))
        #expect(Elementary.expm1(.nan).isNaN && Elementary.expm1(inf) == inf && Elementary.expm1(-inf) == -1)
        #expect(Elementary.expm1(-0.0).sign == .minus && Elementary.expm1(0) == 0 && Elementary.expm1(1e-300) == 1e-300)
        #expect(Elementary.expm1(-800) == -1)
        #expect(Elementary.log(0) == -inf && Elementary.log(-0.0) == -inf && Elementary.log(-1).isNaN)
        #expect(Elementary.log(inf) == inf && Elementary.log(.nan).isNaN && Elementary.log(1) == 0)
        #expect(Elementary.log(.leastNonzeroMagnitude) == Foundation.log(.leastNonzeroMagnitude))
        #expect(Elementary.log1p(-1) == -inf && Elementary.log1p(-2).isNaN && Elementary.log1p(inf) == inf)
        #expect(Elementary.log1p(-0.0).sign == .minus && Elementary.log1p(1e-300) == 1e-300)
        #expect(Elementary.log1p(.greatestFiniteMagnitude) == Foundation.log(.greatestFiniteMagnitude))
        #expect(Elementary.sinCosTwoPi(inf).sin.isNaN && Elementary.sinCosTwoPi(.nan).cos.isNaN)
        #expect(Elementary.sinCosTwoPi(0) == (0, 1) && Elementary.sinCosTwoPi(0.25) == (1, 0))
        #expect(Elementary.sinCosTwoPi(0.5) == (0, -1) && Elementary.sinCosTwoPi(-0.25) == (-1, 0))
        #expect(Elementary.sinCosTwoPi(0x1p60) == (0, 1) && Elementary.sinCosTwoPi(0x1p50 + 0.25) == (1, 0))
        #expect(Elementary.sinCosTwoPi(.greatestFiniteMagnitude) == (0, 1) && Elementary.sinCosTwoPi(-1e308) == (0, 1))
        #expect(Elementary.sinCosTwoPi(-0.0).sin.sign == .minus && Elementary.sinCosTwoPi(-0x1p50 - 0.75) == (1, 0))
        // Just below the exact reduction (|u| < 2^50 once gave the wrong quarter here).
        let eighth = Elementary.sinCosTwoPi(-(0x1p49 + 0.125))
        #expect(abs(eighth.sin + 0.5.squareRoot()) < 1e-15 && abs(eighth.cos - 0.5.squareRoot()) < 1e-15)
        #expect(Elementary.sinCosTwoPi(0x1p49 + 0.25) == (1, 0) && Elementary.sinCosTwoPi(0x1p49 - 0.75) == (1, 0))
        // C99 atan2 conventions.
        let pi = Double.pi
        #expect(Elementary.atan2(0, 0) == 0 && Elementary.atan2(-0.0, 0).sign == .minus)
        #expect(Elementary.atan2(0, -0.0) == pi && Elementary.atan2(-0.0, -0.0) == -pi)
        #expect(Elementary.atan2(1, 0) == pi / 2 && Elementary.atan2(-1, 0) == -pi / 2)
        #expect(Elementary.atan2(1, inf) == 0 && Elementary.atan2(1, -inf) == pi)
        #expect(Elementary.atan2(inf, inf) == pi / 4 && Elementary.atan2(-inf, -inf) == -3 * pi / 4)
        #expect(Elementary.atan2(inf, 1) == pi / 2 && Elementary.atan2(1, 1) == pi / 4)
        #expect(Elementary.atan2(1, -0.0) == pi / 2 && Elementary.atan2(inf, -1) == pi / 2)
        #expect(Elementary.atan2(-inf, -0.0) == -pi / 2 && Elementary.atan2(1e-320, 1e308) == 1e-320 / 1e308)
        #expect(Elementary.atan2(1e308, 1e-320) == pi / 2 && Elementary.atan2(-1e-300, -1e300) == -pi)
        #expect(Elementary.atan2(.nan, 1).isNaN && Elementary.atan2(1, .nan).isNaN)
        #expect(Elementary.atan(inf) == pi / 2 && Elementary.atan(-1) == -pi / 4)
        #expect(Elementary.logGamma(0) == inf && Elementary.logGamma(-1).isNaN && Elementary.logGamma(inf) == inf)
        #expect(Elementary.logGamma(.nan).isNaN)
    }

    /// exp and log are monotone across their table and range-reduction boundaries, where a
    /// table-driven implementation is most likely to step backwards.
    @Test func monotoneAcrossBoundaries() {
        let ln2 = 0.693_147_180_559_945_3
        for k in -300...300 {
            var x = Double(k) * ln2 / 64 + 0.5 * ln2 / 64  // the rounding point between two table entries
            x = x.nextDown.nextDown.nextDown
            var previous = Elementary.exp(x)
            var previousM1 = Elementary.expm1(x)
            for _ in 0..<6 {
                x = x.nextUp
                #expect(Elementary.exp(x) >= previous && Elementary.expm1(x) >= previousM1, "at \(x)")
                previous = Elementary.exp(x)
                previousM1 = Elementary.expm1(x)
            }
        }
        for boundary in [0.25, -0.25] {  // expm1 switches from its polynomial to the table
            var x = boundary.nextDown.nextDown.nextDown
            for _ in 0..<6 {
                let next = x.nextUp
                #expect(Elementary.expm1(next) >= Elementary.expm1(x), "expm1 at \(next)")
                x = next
            }
        }
        var t = (0.125).nextDown.nextDown.nextDown  // atan switches from its polynomial to the table
        for _ in 0..<6 {
            #expect(Elementary.atan(t.nextUp) >= Elementary.atan(t), "atan at \(t)")
            t = t.nextUp
        }
        for e in -20...20 {
            var x = 0x1.6a09e667f3bcdp0 * Foundation.pow(2, Double(e))  // √2 · 2^e: the log split's boundary
            x = x.nextDown.nextDown.nextDown
            var previous = Elementary.log(x)
            for _ in 0..<6 {
                x = x.nextUp
                #expect(Elementary.log(x) >= previous, "log at \(x)")
                previous = Elementary.log(x)
            }
        }
    }
}
