import ExperimentStore
import Foundation
import Quantization
import Testing

@testable import Claims

/// Each shipped claim on hand-built databases with known answers: it passes, it fails with the expected
/// failing rows, and it is inconclusive without coverage.
struct ShippedClaimVerdictTests {
    @Test func everyShippedClaimPassesOnTheHealthyFixture() throws {
        let db = try FixtureDatabase()
        try db.addGrid()
        let report = try db.evaluate(try ShippedClaims.all())
        for e in report.evaluations {
            // The fixture has synthetic runs only: the dataset and model claims are skipped.
            if e.claim.kind != .synthetic {
                #expect(e.verdict == .skipped, "\(e.claim.name)")
                continue
            }
            #expect(e.verdict == .pass, "\(e.claim.name): \(e.message ?? "") \(e.failingRows.prefix(3))")
            #expect((e.coveredCells ?? 0) >= e.claim.coverageMin)
        }
        let datasetClaims = report.evaluations.count { $0.claim.kind == .dataset }
        let modelClaims = report.evaluations.count { $0.claim.kind == .model }
        #expect(datasetClaims == 6 && modelClaims == 3)
        let skipped = datasetClaims + modelClaims
        #expect(
            report.summaryLine
                == "\(report.evaluations.count - skipped) passed, 0 failed, 0 inconclusive, \(skipped) skipped")
    }

    @Test func everyShippedClaimIsSkippedOnAnEmptyDatabase() throws {
        let db = try FixtureDatabase()
        let report = try db.evaluate(try ShippedClaims.all())
        for e in report.evaluations {
            #expect(e.verdict == .skipped, "\(e.claim.name)")
            #expect(e.coveredCells == nil)
        }
    }

    @Test func paperClaimsAreInconclusiveWithOneSeed() throws {
        let db = try FixtureDatabase()
        try db.addGrid(seeds: [1])
        for name in ["kqv-wins-at-n4", "qkqv-worse-kl", "k-angle-crossover", "kl-ratio-2.25"] {
            #expect(try db.evaluate(shipped: name).verdict == .inconclusive, "\(name)")
        }
    }

    @Test func kqvWinsFailsOnATieWithKV() throws {
        let db = try FixtureDatabase()
        try db.addGrid { key, _, m in
            // KV ties KQV in kl on gaussian: equal means, only the seed noise differs.
            if key.scheme == .KV, key.distribution == .gaussian {
                m[.kl] = pow(4, -Double(key.bits)) * (1 + 0.01 * FixtureDatabase.noise(key.seed, 2))
            }
        }
        let e = try db.evaluate(shipped: "kqv-wins-at-n4")
        #expect(e.verdict == .fail)
        #expect(e.failingRowCount == 1)
        #expect(e.texts("metric") == ["kl"])
        #expect(e.texts("opponent") == ["KV"])
        #expect(e.texts("distribution") == ["gaussian"])
        #expect(e.integers("bits") == [4])
        // On dense mixing there is no fixture data: inconclusive, not pass.
        #expect(
            try db.evaluate(shipped: "kqv-wins-at-n4", overrides: ["mixing": .text("dense")]).verdict == .inconclusive)
    }

    @Test func kqvWinsFailsWhenQKQVWinsOneMetricAtTheChosenBudget() throws {
        let db = try FixtureDatabase()
        try db.addGrid { key, _, m in
            if key.scheme == .QKQV, key.bits == 3, key.distribution == .t3 { m[.dist6Geo] *= 0.5 }
        }
        #expect(try db.evaluate(shipped: "kqv-wins-at-n4").verdict == .pass)
        let e = try db.evaluate(shipped: "kqv-wins-at-n4", overrides: ["bits": .integer(3)])
        #expect(e.verdict == .fail)
        // At n = 3 QKQV also wins k_angle in the fixture (the crossover), in both distributions.
        #expect(e.texts("metric") == ["dist6_geo", "k_angle", "k_angle"])
        #expect(e.texts("opponent") == ["QKQV", "QKQV", "QKQV"])
        #expect(e.texts("distribution") == ["t3", "gaussian", "t3"])
    }

    @Test func qkqvWorseKLFailsWhereQKQVTies() throws {
        let db = try FixtureDatabase()
        try db.addGrid { key, _, m in
            if key.scheme == .QKQV, key.bits == 3, key.distribution == .t3 {
                m[.kl] = pow(4, -3) * (1 + 0.01 * FixtureDatabase.noise(key.seed, 3))
            }
        }
        let e = try db.evaluate(shipped: "qkqv-worse-kl")
        #expect(e.verdict == .fail)
        #expect(e.integers("bits") == [3])
        #expect(e.texts("distribution") == ["t3"])
        #expect(e.coveredCells == 10)
    }

    @Test func crossoverFailsAtEveryCellWhereTheExpectedWinnerLoses() throws {
        let db = try FixtureDatabase()
        try db.addGrid { key, _, m in
            if key.scheme == .QKQV, key.bits == 4 { m[.kAngle] *= 0.8 }
        }
        let e = try db.evaluate(shipped: "k-angle-crossover")
        #expect(e.verdict == .fail)
        #expect(e.integers("bits") == [4, 4])
        #expect(e.texts("expected_winner") == ["KQV", "KQV"])
        #expect(e.texts("distribution") == ["gaussian", "t3"])
    }

    @Test func crossoverIsInconclusiveWithoutEveryBudget() throws {
        let db = try FixtureDatabase()
        try db.addGrid(bits: [2, 3, 4, 5])
        let e = try db.evaluate(shipped: "k-angle-crossover")
        #expect(e.verdict == .inconclusive)
        #expect(e.coveredCells == 4)
    }

    @Test func klRatioFailsWhenTheRatioIsThree() throws {
        let db = try FixtureDatabase()
        try db.addGrid { key, _, m in
            if key.scheme == .QKQV { m[.kl] *= 3 / 2.25 }
        }
        let e = try db.evaluate(shipped: "kl-ratio-2.25")
        #expect(e.verdict == .fail)
        #expect(e.failingRowCount == 1)
        guard case .real(let ratio) = e.column("ratio").first else {
            Issue.record("no ratio column")
            return
        }
        #expect(abs(ratio - 3) < 1e-9)
        #expect(try db.evaluate(shipped: "kl-ratio-2.25", overrides: ["ratio": .integer(3)]).verdict == .pass)
    }

    @Test func klRatioPassesExactlyAndItsCIIsTheDeltaMethodOne() throws {
        let db = try FixtureDatabase()
        try db.addGrid()
        let e = try db.evaluate(shipped: "kl-ratio-2.25", overrides: ["ratio": .real(2.2)])
        #expect(e.verdict == .fail)
        guard case .real(let ratio) = e.column("ratio").first, case .real(let low) = e.column("ci_low").first,
            case .real(let high) = e.column("ci_high").first
        else {
            Issue.record("missing estimate columns")
            return
        }
        // Hand computation: per seed, A and B are the means over the 2 distributions of QKQV and KQV kl.
        var a: [Double] = []
        var b: [Double] = []
        for seed in FixtureDatabase.seeds {
            var sumA = 0.0
            var sumB = 0.0
            for distribution in [Distribution.gaussian, .t3] {
                for (scheme, sink) in [(Scheme.QKQV, 0), (.KQV, 1)] {
                    let key = FixtureDatabase.Key(
                        scheme: scheme, bits: 4, distribution: distribution, rank: 8, mixing: .axis, seed: seed)
                    let first: Double = FixtureDatabase.healthy(key, trial: 0)[.kl]
                    let second: Double = FixtureDatabase.healthy(key, trial: 1)[.kl]
                    let mean = (first + second) / 2
                    if sink == 0 { sumA += mean } else { sumB += mean }
                }
            }
            a.append(sumA / 2)
            b.append(sumB / 2)
        }
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n
        let mb = b.reduce(0, +) / n
        let r = ma / mb
        let va = a.map { ($0 - ma) * ($0 - ma) }.reduce(0, +) / (n - 1)
        let vb = b.map { ($0 - mb) * ($0 - mb) }.reduce(0, +) / (n - 1)
        let cab = zip(a, b).map { ($0 - ma) * ($1 - mb) }.reduce(0, +) / (n - 1)
        let se = sqrt((va - 2 * r * cab + r * r * vb) / n) / mb
        let t975 = 2.7764451051977987  // t_{0.975, 4}
        #expect(abs(ratio - r) < 1e-12)
        #expect(abs(ratio - 2.25) < 1e-9)
        #expect(abs(low - (r - t975 * se)) < 1e-9)
        #expect(abs(high - (r + t975 * se)) < 1e-9)
    }

    @Test func divergenceSanityReportsNegativeNaNAndInfiniteTrials() throws {
        let db = try FixtureDatabase()
        try db.addGrid(schemes: [.KQV], bits: [4], distributions: [.gaussian]) { key, trial, m in
            guard trial == 1 else { return }
            if key.seed == 2 { m[.kl] = -0.5 }
            if key.seed == 3 { m[.js] = .nan }
            if key.seed == 4 { m[.tv] = .infinity }
        }
        let e = try db.evaluate(shipped: "sanity-divergences-in-range")
        #expect(e.verdict == .fail)
        #expect(e.texts("metric") == ["kl", "js", "tv"])
        #expect(e.integers("seed") == [2, 3, 4])
        #expect(e.column("value") == [.real(-0.5), .null, .real(.infinity)])
        #expect(e.integers("nan") == [0, 1, 0])
    }

    @Test func errorShrinkSanityReportsARunWhoseErrorGrowsWithBits() throws {
        let db = try FixtureDatabase()
        try db.addGrid(schemes: [.KV], bits: [3, 4, 5], distributions: [.t3]) { key, _, m in
            if key.bits == 5, key.seed == 4 { m[.vRelL2] = 1 }
        }
        let e = try db.evaluate(shipped: "sanity-error-shrinks-with-bits")
        #expect(e.verdict == .fail)
        #expect(e.texts("metric") == ["v_rel_l2", "v_rel_l2"])
        #expect(e.integers("bits_lo") == [3, 4])
        #expect(e.integers("bits_hi") == [5, 5])
        #expect(e.integers("seed") == [4, 4])
        #expect(e.coveredCells == 15)
    }

    @Test func distortionSanityChecksTheTurboQuantBoundsWithTolerance() throws {
        let db = try FixtureDatabase()
        try db.addGrid(schemes: [.KQV], bits: [2, 3], distributions: [.gaussian]) { key, _, m in
            // D = 3·4^−3 exceeds (√3·π/2)·4^−3 by more than 10%.
            if key.bits == 3 { m[.kRelL2] = sqrt(3 * pow(4, -3)) }
        }
        let e = try db.evaluate(shipped: "sanity-mse-distortion-bounds")
        #expect(e.verdict == .fail)
        #expect(e.integers("bits") == [3])
        #expect(
            try db.evaluate(shipped: "sanity-mse-distortion-bounds", overrides: ["tol": .real(0.2)]).verdict == .pass)
    }

    @Test func effectiveBitsSanityChecksTheStoredFloats() throws {
        let db = try FixtureDatabase()
        try db.addGrid(schemes: [.QKQV], bits: [2], distributions: [.gaussian], seeds: [1]) { _, trial, m in
            if trial == 0 { m[.bitsK] = 2.5 }  // one float instead of TurboQuant_prod's two
        }
        let e = try db.evaluate(shipped: "sanity-effective-bits")
        #expect(e.verdict == .fail)
        #expect(e.integers("trial") == [0])
        #expect(e.column("expected_bits_k") == [.real(3)])
    }
}
