import Foundation
import Testing

@testable import Statistics

/// Rank tests against scipy (`mannwhitneyu`, `wilcoxon`): statistics exactly, p-values to 1e-10 relative.
@Suite struct RankTestsTests {
    static let tolerance = 1e-10

    @Test func mannWhitneyAgainstScipy() throws {
        let cases = try Fixture("mann_whitney.json").cases()
        #expect(cases.count >= 15)
        for item in cases {
            let label = item["label"]?.string ?? "?"
            let a = Fixture.doubles(item["a"])
            let b = Fixture.doubles(item["b"])
            let asymptotic = MannWhitneyTest(a, b, method: .asymptotic)
            #expect(asymptotic.uA == Fixture.double(item["u_a"]), "\(label): U_A")
            #expect(asymptotic.rankBiserial == Fixture.double(item["r"]), "\(label): r")
            #expect(asymptotic.method == .asymptotic)
            let expected = Fixture.double(item["p_asymptotic"])
            #expect(isClose(asymptotic.p, expected, relative: Self.tolerance), "\(label): asymptotic p \(asymptotic.p)")
            #expect(isClose(asymptotic.logP, Foundation.log(expected), relative: 1e-10), "\(label): log p")
            if item["p_exact"] != nil {
                let exact = MannWhitneyTest(a, b, method: .exact)
                #expect(exact.method == .exact, "\(label)")
                #expect(
                    isClose(exact.p, Fixture.double(item["p_exact"]), relative: Self.tolerance),
                    "\(label): exact p \(exact.p)")
                #expect(exact.uA == asymptotic.uA && exact.rankBiserial == asymptotic.rankBiserial)
            }
        }
    }

    @Test func mannWhitneyPaperCheck() {
        let test = MannWhitneyTest([1, 2, 3], [4, 5, 6])
        #expect(test.uA == 0)
        #expect(test.rankBiserial == -1)
        #expect(test.method == .exact)
        #expect(abs(test.p - 0.1) < 1e-15)
        #expect(EffectSizes.cliffsDelta([1, 2, 3], [4, 5, 6]) == -1)
    }

    @Test func mannWhitneyMethodChoice() {
        let a = (1...20).map(Double.init)
        let b = (21...40).map(Double.init)
        #expect(MannWhitneyTest(a, b).method == .exact)  // both ≤ 20, no ties
        #expect(MannWhitneyTest(a + [50], b).method == .asymptotic)  // 21 > 20 and min > 8
        #expect(MannWhitneyTest([1, 2, 3], (10...200).map(Double.init)).method == .exact)  // min ≤ 8
        #expect(MannWhitneyTest([1, 2, 2], [2, 3, 4]).method == .asymptotic)  // ties
        #expect(MannWhitneyTest([1, 2, 2], [2, 3, 4], method: .exact).method == .exact)
        // C(100, 50) ≫ 2⁵²: forced exact falls back.
        let large = MannWhitneyTest((1...50).map(Double.init), (51...100).map(Double.init), method: .exact)
        #expect(large.method == .asymptotic)
    }

    @Test func mannWhitneyTinyPValues() {
        // n = 300 per side, fully separated: p ≈ 1e−99 (above the double floor) and far beyond, log p stays finite.
        let a = (1...300).map(Double.init)
        let b = (301...600).map(Double.init)
        let test = MannWhitneyTest(a, b)
        #expect(test.p > 0 && test.p < 1e-90)
        #expect(abs(test.logP - Foundation.log(test.p)) < 1e-9 * abs(test.logP))
        let huge = MannWhitneyTest((1...3000).map(Double.init), (3001...6000).map(Double.init))
        #expect(huge.p == 0)
        #expect(huge.logP.isFinite && huge.logP < -1000)
    }

    @Test func mannWhitneyDegenerate() {
        let empty = MannWhitneyTest([], [1, 2])
        #expect(empty.p.isNaN && empty.rankBiserial.isNaN)
        let withNaN = MannWhitneyTest([1, .nan], [1, 2])
        #expect(withNaN.p.isNaN)
        let identical = MannWhitneyTest([1, 1, 1], [1, 1, 1])
        #expect(identical.p == 1 && identical.rankBiserial == 0 && identical.uA == 4.5)
    }

    @Test func wilcoxonAgainstScipy() throws {
        let cases = try Fixture("wilcoxon.json").cases()
        #expect(cases.count >= 12)
        for item in cases {
            let label = item["label"]?.string ?? "?"
            let a = Fixture.doubles(item["a"])
            let b = Fixture.doubles(item["b"])
            let auto = WilcoxonSignedRankTest(a, b)
            #expect(auto.wPlus == Fixture.double(item["w_plus"]), "\(label): W+")
            #expect(auto.wMinus == Fixture.double(item["w_minus"]), "\(label): W−")
            #expect(auto.rankBiserial == Fixture.double(item["r"]), "\(label): r")
            #expect(
                isClose(auto.p, Fixture.double(item["p_auto"]), relative: Self.tolerance), "\(label): auto p \(auto.p)")
            let asymptotic = WilcoxonSignedRankTest(a, b, method: .asymptotic)
            #expect(
                isClose(asymptotic.p, Fixture.double(item["p_asymptotic"]), relative: Self.tolerance),
                "\(label): asymptotic p \(asymptotic.p)")
            let corrected = WilcoxonSignedRankTest(a, b, method: .asymptotic, continuityCorrection: true)
            #expect(
                isClose(corrected.p, Fixture.double(item["p_asymptotic_corrected"]), relative: Self.tolerance),
                "\(label): corrected p \(corrected.p)")
            if item["p_exact"] != nil {
                let exact = WilcoxonSignedRankTest(a, b, method: .exact)
                #expect(
                    isClose(exact.p, Fixture.double(item["p_exact"]), relative: Self.tolerance),
                    "\(label): exact p \(exact.p)")
            }
        }
    }

    @Test func wilcoxonAllZeroDifferences() {
        let test = WilcoxonSignedRankTest([1, 2, 3], [1, 2, 3])
        #expect(test.p == 1 && test.rankBiserial == 0 && test.wPlus == 0 && test.wMinus == 0)
        #expect(test.nonZero == 0 && test.n == 3)
        let asymptotic = WilcoxonSignedRankTest([4, 4], [4, 4], method: .asymptotic)
        #expect(asymptotic.p == 1 && asymptotic.rankBiserial == 0)
        let empty = WilcoxonSignedRankTest([], [])
        #expect(empty.p == 1 && empty.rankBiserial == 0)
    }

    @Test func wilcoxonMethodChoice() {
        let a = (1...20).map(Double.init)
        #expect(WilcoxonSignedRankTest(a, a.enumerated().map { $1 + Double($0 + 1) }).method == .exact)
        // Ties with n ≤ 13: exact permutation distribution; with n > 13: asymptotic.
        #expect(WilcoxonSignedRankTest([1, 2, 3, 4], [1, 0, 5, 4]).method == .exact)
        let tied = (1...14).map(Double.init)
        #expect(WilcoxonSignedRankTest(tied, tied.map { $0 + 1 }).method == .asymptotic)
    }

    @Test func signTestAgainstScipy() throws {
        let cases = try Fixture("sign_test.json").cases()
        #expect(cases.count >= 10)
        for item in cases {
            let k = item["k"]?.int ?? -1
            let n = item["n"]?.int ?? -1
            let test = SignTest(positives: k, negatives: n - k)
            #expect(isClose(test.p, Fixture.double(item["p"]), relative: Self.tolerance), "k=\(k) n=\(n): p \(test.p)")
            #expect(isClose(test.wilsonLow, Fixture.double(item["wilson_low"]), relative: Self.tolerance))
            #expect(isClose(test.wilsonHigh, Fixture.double(item["wilson_high"]), relative: Self.tolerance))
        }
        let paired = SignTest([1, 5, 3, 4, 2], [0, 6, 3, 1, 1])
        #expect(paired.positives == 3 && paired.negatives == 1 && paired.ties == 1 && paired.proportion == 0.75)
        let allTied = SignTest([1, 2], [1, 2])
        #expect(allTied.p == 1 && allTied.proportion.isNaN && allTied.wilsonLow.isNaN)
    }

    @Test func pairedTAgainstScipy() throws {
        let cases = try Fixture("paired_t.json").cases()
        #expect(cases.count >= 4)
        for item in cases {
            let label = item["label"]?.string ?? "?"
            let a = Fixture.doubles(item["a"])
            let b = Fixture.doubles(item["b"])
            for interval in item["intervals"]?.objects ?? [] {
                let level = Fixture.double(interval["confidence"])
                let test = PairedTInterval(a, b, confidence: level)
                #expect(isClose(test.meanDifference, Fixture.double(item["mean_difference"]), relative: 1e-14))
                #expect(isClose(test.t, Fixture.double(item["t"]), relative: Self.tolerance), "\(label): t")
                #expect(isClose(test.p, Fixture.double(item["p"]), relative: Self.tolerance), "\(label): p \(test.p)")
                #expect(isClose(test.ciLow, Fixture.double(interval["low"]), relative: Self.tolerance), "\(label)")
                #expect(isClose(test.ciHigh, Fixture.double(interval["high"]), relative: Self.tolerance), "\(label)")
            }
        }
    }

    @Test func pairedTDegenerate() {
        let one = PairedTInterval([1], [2])
        #expect(one.ciLow.isNaN && one.p.isNaN && !one.excludesZero)
        let constantShift = PairedTInterval([1, 2, 3], [2, 3, 4])
        #expect(constantShift.ciLow == 1 && constantShift.ciHigh == 1 && constantShift.p == 0)
        #expect(constantShift.excludesZero)
        let same = PairedTInterval([1, 2, 3], [1, 2, 3])
        #expect(same.p == 1 && same.ciLow == 0 && !same.excludesZero)
    }

    @Test func cliffsDeltaAgainstNumpy() throws {
        for item in try Fixture("cliffs_delta.json").cases() {
            let a = Fixture.doubles(item["a"])
            let b = Fixture.doubles(item["b"])
            let delta = EffectSizes.cliffsDelta(a, b)
            #expect(isClose(delta, Fixture.double(item["delta"]), relative: 1e-15), "\(a) vs \(b)")
            #expect(isClose(delta, MannWhitneyTest(a, b).rankBiserial, relative: 1e-15))
        }
        #expect(EffectSizes.cliffsDelta([], [1]).isNaN)
    }
}
