import Foundation
import Testing

@testable import Statistics

/// Distribution functions against 60-digit mpmath values (cross-checked with scipy): 1e-10 relative.
@Suite struct DistributionsTests {
    static let tolerance = 1e-10

    @Test func normalCDFSurvivalAndDensity() throws {
        let cases = try Fixture("normal.json").cases("cdf")
        #expect(cases.count > 30)
        for item in cases {
            let x = Fixture.double(item["x"])
            let cdf = SpecialFunctions.normalCDF(x)
            let sf = SpecialFunctions.normalSF(x)
            let pdf = SpecialFunctions.normalPDF(x)
            #expect(isClose(cdf, Fixture.double(item["cdf"]), relative: Self.tolerance), "Φ(\(x)) = \(cdf)")
            #expect(isClose(sf, Fixture.double(item["sf"]), relative: Self.tolerance), "1 − Φ(\(x)) = \(sf)")
            #expect(isClose(pdf, Fixture.double(item["pdf"]), relative: Self.tolerance), "φ(\(x)) = \(pdf)")
        }
    }

    @Test func normalQuantile() throws {
        let cases = try Fixture("normal.json").cases("quantile")
        #expect(cases.count > 30)
        for item in cases {
            let p = Fixture.double(item["p"])
            let z = Distributions.normalQuantile(p)
            #expect(isClose(z, Fixture.double(item["x"]), relative: Self.tolerance), "Φ⁻¹(\(p)) = \(z)")
        }
    }

    @Test func studentT() throws {
        let cases = try Fixture("student_t.json").cases("cdf")
        #expect(cases.count > 300)
        for item in cases {
            let t = Fixture.double(item["t"])
            let df = Fixture.double(item["df"])
            let cdf = Distributions.studentTCDF(t, df: df)
            let sf = Distributions.studentTSF(t, df: df)
            let pdf = Distributions.studentTPDF(t, df: df)
            #expect(isClose(cdf, Fixture.double(item["cdf"]), relative: Self.tolerance), "F(\(t); \(df)) = \(cdf)")
            #expect(isClose(sf, Fixture.double(item["sf"]), relative: Self.tolerance), "S(\(t); \(df)) = \(sf)")
            #expect(isClose(pdf, Fixture.double(item["pdf"]), relative: Self.tolerance), "f(\(t); \(df)) = \(pdf)")
        }
    }

    @Test func studentTQuantile() throws {
        let cases = try Fixture("student_t.json").cases("quantile")
        #expect(cases.count > 300)
        for item in cases {
            let p = Fixture.double(item["p"])
            let df = Fixture.double(item["df"])
            let t = Distributions.studentTQuantile(p, df: df)
            #expect(isClose(t, Fixture.double(item["t"]), relative: Self.tolerance), "F⁻¹(\(p); \(df)) = \(t)")
        }
    }

    @Test func incompleteBeta() throws {
        let cases = try Fixture("incomplete_beta.json").cases()
        #expect(cases.count > 500)
        for item in cases {
            let (a, b, x) = (Fixture.double(item["a"]), Fixture.double(item["b"]), Fixture.double(item["x"]))
            let value = SpecialFunctions.regularizedIncompleteBeta(x, a: a, b: b)
            let complement = SpecialFunctions.regularizedIncompleteBetaComplement(x, a: a, b: b)
            #expect(
                isClose(value, Fixture.double(item["value"]), relative: Self.tolerance),
                "I_\(x)(\(a), \(b)) = \(value)")
            #expect(
                isClose(complement, Fixture.double(item["complement"]), relative: Self.tolerance),
                "1 − I_\(x)(\(a), \(b)) = \(complement)")
        }
    }

    @Test func edgeCases() {
        #expect(Distributions.normalQuantile(0) == -.infinity)
        #expect(Distributions.normalQuantile(1) == .infinity)
        #expect(Distributions.normalQuantile(-0.1).isNaN)
        #expect(Distributions.normalQuantile(.nan).isNaN)
        #expect(Distributions.studentTQuantile(0, df: 3) == -.infinity)
        #expect(Distributions.studentTQuantile(1, df: 3) == .infinity)
        #expect(Distributions.studentTQuantile(0.5, df: 3) == 0)
        #expect(Distributions.studentTQuantile(0.3, df: 0).isNaN)
        #expect(Distributions.studentTQuantile(0.975, df: .infinity) == Distributions.normalQuantile(0.975))
        #expect(Distributions.studentTCDF(.infinity, df: 4) == 1)
        #expect(Distributions.studentTCDF(-.infinity, df: 4) == 0)
        #expect(Distributions.studentTSF(.nan, df: 4).isNaN)
        #expect(Distributions.studentTCDF(1, df: -1).isNaN)
        #expect(SpecialFunctions.regularizedIncompleteBeta(1.5, a: 2, b: 2).isNaN)
        #expect(SpecialFunctions.regularizedIncompleteBeta(0.5, a: 0, b: 2).isNaN)
    }

    @Test func logNormalSurvival() {
        // The asymptotic branch (z ≥ 30) against the direct log where 1 − Φ(z) is still a normal double.
        for z in [29.9, 30.0, 31.5, 33.0, 35.0, 36.5, 37.0] {
            let direct = Foundation.log(SpecialFunctions.normalSF(z))
            #expect(isClose(Distributions.logNormalSF(z), direct, relative: 1e-13), "z = \(z)")
        }
        #expect(Distributions.logNormalSF(100).isFinite)
        #expect(isClose(Distributions.logNormalSF(-3), Foundation.log(SpecialFunctions.normalCDF(3)), relative: 1e-15))
    }

    @Test func quantileRoundTrip() {
        // Non-integer and small degrees of freedom, including ν < 1 (no fixture: round trip instead).
        for df in [0.5, 0.8, 1.2, 3.7, 12.5, 250.0] {
            for p in [1e-100, 1e-20, 1e-4, 0.02, 0.3, 0.49, 0.51, 0.9, 0.999] {
                let t = Distributions.studentTQuantile(p, df: df)
                let back = p < 0.5 ? Distributions.studentTCDF(t, df: df) : 1 - Distributions.studentTSF(t, df: df)
                #expect(isClose(back, p, relative: 1e-12), "ν = \(df), p = \(p): t = \(t), F(t) = \(back)")
            }
        }
    }
}
