import ExperimentStore
import Foundation
import KVLabTestSupport
import Quantization
import Statistics
import Testing

@testable import Claims

/// One replicate and one verdict rule in every command: `kvlab compare`, `kvlab agg`, the shipped claims and
/// the report use the seed as the replicate (pooling cells gives one value per seed, their mean) and give
/// the same 95% CIs for the same question; the verdict follows the paired t-CI alone.
struct OneRuleTests {
    /// Values within a relative tolerance (SQLite and Swift sum in different orders).
    func close(_ x: Double?, _ y: Double, _ tolerance: Double = 1e-12) -> Bool {
        guard let x else { return false }
        return abs(x - y) <= tolerance * max(1, abs(y))
    }

    /// A double from an SQL value (nil for NULL and text).
    func double(_ value: SQLValue?) -> Double? {
        switch value {
        case .real(let d): return d
        case .integer(let i): return Double(i)
        default: return nil
        }
    }

    /// The level of a scheme's kl, before the cell and seed factors.
    static func level(_ scheme: Scheme) -> Double {
        switch scheme {
        case .KV: return 1.5
        case .KQV: return 1
        case .QKQV: return 2.25
        default: return 1
        }
    }

    /// A run's kl before the trial wobble: 4^−n × the scheme's level × a factor per cell × a ±10% factor
    /// that differs by seed, cell and scheme (so pooling cells changes the per-seed values).
    static func kl(_ key: FixtureDatabase.Key) -> Double {
        let cell = (key.distribution == .t3 ? 1.4 : 1) * (key.rank == 16 ? 0.8 : 1)
        let scheme = Scheme.allCases.firstIndex(of: key.scheme) ?? 0
        let step = (key.seed * 7 + key.rank / 8 * 3 + (key.distribution == .t3 ? 5 : 0) + scheme * 11) % 9
        return pow(4, -Double(key.bits)) * level(key.scheme) * cell * (1 + Double(step - 4) / 40)
    }

    /// The trial factor: trial 0 is 0.1% above the run's value, trial 1 0.1% below.
    static func wobble(_ trial: Int) -> Double { trial == 0 ? 1.001 : 0.999 }

    /// KV, KQV and QKQV at n = 2 and 4 on gaussian and t3, ranks 8 and 16 (4 cells per budget), axis mixing,
    /// seeds 1…5, kl from ``kl(_:)``.
    static func cells() throws -> FixtureDatabase {
        let db = try FixtureDatabase()
        try db.addGrid(bits: [2, 4], distributions: [.gaussian, .t3], ranks: [8, 16]) { key, trial, m in
            m[.kl] = kl(key) * wobble(trial)
        }
        return db
    }

    func compare(
        _ db: FixtureDatabase, a: String = "KQV", b: String = "QKQV", metric: String = "kl", by: [String],
        filter: String? = nil
    ) throws -> CompareReport {
        try CompareEngine.compare(CompareRequest(metric: metric, a: a, b: b, by: by, filter: filter), in: db.store)
    }

    /// A shipped claim whose final filter is removed, so that it returns every cell with its CI.
    func everyCell(of name: String, decision: String) throws -> ClaimFile {
        var claim = try #require(try ShippedClaims.named(name))
        try #require(claim.body.contains(decision), "\(name) no longer decides by \(decision)")
        claim.body = claim.body.replacingOccurrences(of: decision, with: "WHERE 1")
        return claim
    }

    @Test func compareAggClaimsAndReportGiveTheSameIntervals() throws {
        let db = try Self.cells()

        // compare, pooled at n = 4 over its 4 cells: one replicate per seed (not 20 pairs of runs).
        let pooled = try compare(db, by: ["bits"])
        let four = try #require(pooled.rows.first { $0.group == [.integer(4)] })
        #expect(four.n == 5 && four.seeds == 5 && four.a.count == 5)
        #expect(four.verdict == .a)

        // agg pools the same way: per seed the mean over the cells, then t-CIs over seeds.
        let agg = try AggregationQuery(
            dimensions: ["scheme", "bits"], metrics: ["kl"], statistics: ["n", "mean", "ci95"],
            allowedDimensions: CompareRequest.dimensions + ["scheme"])
        let table = try db.store.execute(sql: agg.sql)
        for (scheme, values) in [("KQV", four.a), ("QKQV", four.b)] {
            let row = try #require(table.rows.first { $0[0] == .text(scheme) && $0[1] == .integer(4) })
            let summary = Summary(values)
            #expect(row[3] == .integer(5))
            #expect(close(double(row[4]), summary.mean), "\(scheme)")
            #expect(close(double(row[5]), summary.ciLow) && close(double(row[6]), summary.ciHigh), "\(scheme)")
        }

        // kl-ratio-2.25 (QKQV/KQV pooled at n = 4 on any mixing): its delta-method CI, shown in its failing
        // row when asked for an absurd ratio, is compare's ratio_delta_ci of mean(QKQV)/mean(KQV).
        let ratio = try db.evaluate(shipped: "kl-ratio-2.25", overrides: ["ratio": .integer(100)])
        #expect(ratio.verdict == .fail)
        #expect(ratio.integers("seeds") == [5] && ratio.integers("cells_per_seed") == [4])
        #expect(close(double(ratio.column("ratio").first), four.ratio))
        #expect(close(double(ratio.column("ci_low").first), four.ratioDeltaLow))
        #expect(close(double(ratio.column("ci_high").first), four.ratioDeltaHigh))

        // qkqv-worse-kl's paired t-CI of QKQV − KQV in every cell is compare's CI of b − a per cell.
        let perCell = try compare(db, by: ["bits", "distribution", "rank"])
        #expect(perCell.rows.count == 8 && perCell.rows.allSatisfy { $0.n == 5 && $0.verdict == .a })
        let worse = try db.evaluate([
            try everyCell(of: "qkqv-worse-kl", decision: "WHERE (missing = 0 AND mean_diff - t975 * se > 0) IS NOT 1")
        ]).evaluations[0]
        #expect(worse.failingRowCount == 8)
        for (index, cell) in worse.failingRows.enumerated() {
            let key = ["bits", "distribution", "rank"].map { worse.column($0)[index] }
            let row = try #require(perCell.rows.first { $0.group == key }, "\(cell)")
            #expect(close(double(worse.column("ci_low")[index]), row.diffCILow), "\(key)")
            #expect(close(double(worse.column("ci_high")[index]), row.diffCIHigh), "\(key)")
        }

        // kqv-wins-at-n4's CI of KQV − opponent per cell is compare's CI with a = opponent, b = KQV.
        let wins = try db.evaluate([
            try everyCell(of: "kqv-wins-at-n4", decision: "WHERE (missing = 0 AND mean_diff + t975 * se < 0) IS NOT 1")
        ]).evaluations[0]
        var checked = 0
        for opponent in ["KV", "QKQV"] {
            let rows = try compare(db, a: opponent, b: "KQV", by: ["distribution", "rank"], filter: "bits = 4")
            #expect(rows.rows.count == 4 && rows.rows.allSatisfy { $0.verdict == .b })
            for index in wins.failingRows.indices
            where wins.texts("metric")[index] == "kl" && wins.texts("opponent")[index] == opponent {
                let key = ["distribution", "rank"].map { wins.column($0)[index] }
                let row = try #require(rows.rows.first { $0.group == key })
                #expect(close(double(wins.column("ci_low")[index]), row.diffCILow), "\(opponent) \(key)")
                #expect(close(double(wins.column("ci_high")[index]), row.diffCIHigh), "\(opponent) \(key)")
                checked += 1
            }
        }

        // The report's n = 4 table: the same engine, so the same numbers to the last bit.
        let out = db.directory.appendingPathComponent("report.html")
        let r = try KVLabProcess.run(["report", "--db", db.path, "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOf: out, encoding: .utf8)
        let reportRows = html.matches(of: /<tr (data-a="[^>]*)>/).map { match in
            Dictionary(
                match.output.1.matches(of: /data-([a-z0-9-]+)="([^"]*)"/).map {
                    (String($0.output.1), String($0.output.2))
                },
                uniquingKeysWith: { first, _ in first })
        }
        let byDistribution = try compare(db, by: ["distribution"], filter: "bits = 4")
        let expected: [(String, CompareRow)] =
            byDistribution.rows.map { (Self.text($0.group[0]), $0) } + [("all (pooled)", four)]
        for (cell, row) in expected {
            let shown = try #require(
                reportRows.first { $0["a"] == "KQV" && $0["b"] == "QKQV" && $0["cell"] == cell }, "report row \(cell)")
            #expect(shown["n"] == String(row.n))
            #expect(Double(shown["ci95-low"] ?? "") == row.diffCILow, "\(cell)")
            #expect(Double(shown["ci95-high"] ?? "") == row.diffCIHigh, "\(cell)")
            #expect(Double(shown["ratio-low"] ?? "") == row.ratioDeltaLow, "\(cell)")
            #expect(Double(shown["ratio-high"] ?? "") == row.ratioDeltaHigh, "\(cell)")
            #expect(shown["verdict"] == "KQV better")
        }
        #expect(checked == 8)
    }

    /// Display text of a group value.
    static func text(_ value: SQLValue) -> String {
        if case .text(let s) = value { return s }
        return "\(value)"
    }

    @Test func pooledIntervalsMatchAHandComputation() throws {
        let db = try Self.cells()
        // By hand: a run's mean is the mean of its two trials; a seed's value the mean over the 4 cells.
        func perSeed(_ scheme: Scheme, seed: Int) -> Double {
            var sum = 0.0
            for distribution in [Distribution.gaussian, .t3] {
                for rank in [8, 16] {
                    let key = FixtureDatabase.Key(
                        scheme: scheme, bits: 4, distribution: distribution, rank: rank, mixing: .axis, seed: seed)
                    let v = Self.kl(key)
                    sum += (v * Self.wobble(0) + v * Self.wobble(1)) / 2
                }
            }
            return sum / 4
        }
        let a = FixtureDatabase.seeds.map { perSeed(.KQV, seed: $0) }
        let b = FixtureDatabase.seeds.map { perSeed(.QKQV, seed: $0) }
        let n = 5.0
        let t975 = 2.7764451051977934  // scipy.stats.t.ppf(0.975, 4): df = n − 1
        let d = zip(a, b).map { $1 - $0 }
        let dMean = d.reduce(0, +) / n
        let sd = (d.map { ($0 - dMean) * ($0 - dMean) }.reduce(0, +) / (n - 1)).squareRoot()
        let meanA = a.reduce(0, +) / n
        let meanB = b.reduce(0, +) / n
        let r = meanB / meanA
        let varA = a.map { ($0 - meanA) * ($0 - meanA) }.reduce(0, +) / (n - 1)
        let varB = b.map { ($0 - meanB) * ($0 - meanB) }.reduce(0, +) / (n - 1)
        let cov = zip(a, b).map { ($0 - meanA) * ($1 - meanB) }.reduce(0, +) / (n - 1)
        let se = ((varB - 2 * r * cov + r * r * varA) / n).squareRoot() / meanA

        let row = try #require(try compare(db, by: ["bits"]).rows.first { $0.group == [.integer(4)] })
        #expect(zip(row.a, a).allSatisfy { close($0, $1) } && zip(row.b, b).allSatisfy { close($0, $1) })
        #expect(close(row.diffCILow, dMean - t975 * sd / n.squareRoot(), 1e-10))
        #expect(close(row.diffCIHigh, dMean + t975 * sd / n.squareRoot(), 1e-10))
        #expect(close(row.ratio, r))
        #expect(close(row.ratioDeltaLow, r - t975 * se, 1e-10) && close(row.ratioDeltaHigh, r + t975 * se, 1e-10))
        // The ratio interval by itself, on the committed scipy numbers of a small sample.
        let small = RatioDeltaInterval([1, 2, 3, 4, 5, 6], [2.125, 4.25, 6.5, 8.5, 10, 12.25])
        #expect(close(small.ciLow, 2.002124392601447, 1e-10) && close(small.ciHigh, 2.152637512160457, 1e-10))
    }

    @Test func holmOverManyGroupsNoLongerTurnsAClearWinIntoATie() throws {
        // 30 groups (5 budgets × 2 distributions × 3 ranks), 10 seeds, QKQV's kl ≈ 2.25 × KQV's in every seed.
        let db = try FixtureDatabase()
        try db.addGrid(
            schemes: [.KQV, .QKQV], distributions: [.gaussian, .t3], ranks: [8, 16, 32], seeds: Array(1...10))
        let report = try compare(db, by: ["bits", "distribution", "rank"])
        #expect(report.rows.count == 30)
        for row in report.rows {
            #expect(row.n == 10 && row.diffCILow > 0, "\(row.group)")
            #expect(row.verdict == .a && row.verdict.label(a: .KQV, b: .QKQV) == "KQV", "\(row.group)")
            // Every seed has B > A: the exact Wilcoxon p is 2/2¹⁰, its smallest possible value.
            #expect(row.wilcoxonP == 2.0 / 1024, "\(row.group)")
        }
        // The rule before required the Wilcoxon p Holm-adjusted over the groups to be below 0.05: 30 · 2/1024
        // = 0.0586 for every group, so it called all 30 clear differences a tie.
        #expect(PValueAdjustment.holm(report.rows.map(\.wilcoxonP)).allSatisfy { $0 >= 0.05 })
        // holm_p (of the t-test p) is reported beside the verdict.
        #expect(report.rows.allSatisfy { $0.holmP < 0.05 })
    }

    @Test func aGroupsVerdictDoesNotDependOnTheOtherGroups() throws {
        // 6 seeds at n = 2 (a tie) and n = 4 (KQV better; Wilcoxon p = 2/2⁶ = 0.03125).
        let db = try CompareTests.fixture()
        let both = try compare(db, by: ["bits"])
        let alone = try compare(db, by: ["bits"], filter: "bits = 4")
        let inBoth = both.rows[1]
        let onItsOwn = try #require(alone.rows.first)
        #expect(inBoth.group == [.integer(4)] && alone.rows.count == 1)
        #expect(inBoth.verdict == .a && onItsOwn.verdict == .a)
        // Everything but the Holm adjustment (reported only) is the group's own.
        var adjusted = inBoth
        adjusted.holmP = onItsOwn.holmP
        #expect(adjusted == onItsOwn)
        #expect(inBoth.holmP > onItsOwn.holmP)
        // Before, this verdict flipped: Wilcoxon p 0.03125 < 0.05 alone, Holm-adjusted 0.0625 beside n = 2.
        #expect(onItsOwn.wilcoxonP < 0.05 && PValueAdjustment.holm(both.rows.map(\.wilcoxonP))[1] >= 0.05)

        // The same in a larger comparison: one of 30 groups, alone or among all.
        let many = try FixtureDatabase()
        try many.addGrid(
            schemes: [.KQV, .QKQV], bits: [2, 4], distributions: [.gaussian, .t3], ranks: [8, 16, 32])
        let all = try compare(many, by: ["bits", "distribution", "rank"])
        let one = try compare(
            many, by: ["bits", "distribution", "rank"], filter: "bits = 4 AND distribution = 't3' AND rank = 16")
        let same = try #require(all.rows.first { $0.group == [.integer(4), .text("t3"), .integer(16)] })
        var sameAdjusted = same
        sameAdjusted.holmP = one.rows[0].holmP
        #expect(one.rows.count == 1 && sameAdjusted == one.rows[0])
    }

    @Test func zeroVarianceDecidesByTheSignOfTheConstantDifference() throws {
        let db = try FixtureDatabase()
        try db.addGrid(schemes: [.KQV, .QKQV], bits: [4], distributions: [.gaussian]) { key, _, m in
            let s = Double(key.seed)
            // kl: deterministic baselines, the same value in every seed (0.5 and 0.75).
            m[.kl] = key.scheme == .KQV ? 0.5 : 0.75
            // top8_overlap (higher is better): values vary by seed, the difference is always 0.25.
            m[.top8Overlap] = key.scheme == .KQV ? s / 8 : s / 8 + 0.25
            // js: the same value for both schemes in every seed.
            m[.js] = s / 16
        }
        let kl = try #require(try compare(db, by: ["bits"]).rows.first)
        #expect(kl.diffCILow == 0.25 && kl.diffCIHigh == 0.25 && kl.diffMean == 0.25)
        #expect(kl.tP == 0 && kl.verdict == .a)
        #expect(kl.ratio == 1.5 && kl.ratioDeltaLow == 1.5 && kl.ratioDeltaHigh == 1.5)
        #expect(kl.ratioCILow == 1.5 && kl.ratioCIHigh == 1.5)

        let overlap = try #require(try compare(db, metric: "top8_overlap", by: ["bits"]).rows.first)
        #expect(overlap.diffCILow == 0.25 && overlap.diffCIHigh == 0.25)
        #expect(overlap.tP == 0 && overlap.verdict == .b)
        #expect(overlap.ratioDeltaLow.isFinite && overlap.ratioDeltaLow < overlap.ratio)

        let js = try #require(try compare(db, metric: "js", by: ["bits"]).rows.first)
        #expect(js.diffCILow == 0 && js.diffCIHigh == 0 && js.tP == 1 && js.verdict == .tie)
        #expect(js.ratio == 1 && js.ratioDeltaLow == 1 && js.ratioDeltaHigh == 1)

        for row in [kl, overlap, js] {
            let deciding = [row.diffCILow, row.diffCIHigh, row.tP, row.holmP, row.ratioDeltaLow, row.ratioDeltaHigh]
            #expect(deciding.allSatisfy { !$0.isNaN }, "\(deciding)")
        }
    }
}
