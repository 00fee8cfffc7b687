import ExperimentStore
import Foundation
import GRDB
import KVLabTestSupport
import Quantization
import Statistics
import Testing

@testable import Claims

/// `kvlab compare`: statistics against independently computed values (scipy 1.17.1 on the same vectors, hand
/// formulas, brute-force enumeration), verdicts per direction, the stored record, errors and exit codes.
struct CompareTests {
    /// Scheme A's (KQV) run mean of every metric at seed s: s (logit_bias: −s).
    static let a: [Double] = [1, 2, 3, 4, 5, 6]
    /// Scheme B's (QKQV) run means at n = 4: clearly larger than A.
    static let b4: [Double] = [2.125, 4.25, 6.5, 8.5, 10, 12.25]
    /// Scheme B's run means at n = 2: differences ±0.25, ±0.5, ±0.125 (a tie, exactly representable).
    static let b2: [Double] = [1.25, 1.75, 3.5, 3.5, 5.125, 5.875]

    /// A database with KQV and QKQV at n = 2 and 4, seeds 1…6, every trial of a run equal to its mean.
    static func fixture(seeds: [Int] = [1, 2, 3, 4, 5, 6], bits: [Int] = [2, 4]) throws -> FixtureDatabase {
        let db = try FixtureDatabase()
        try db.addGrid(schemes: [.KQV, .QKQV], bits: bits, distributions: [.gaussian], seeds: seeds) { key, _, m in
            let i = key.seed - 1
            let value = key.scheme == .KQV ? a[i] : (key.bits == 4 ? b4[i] : b2[i])
            m[.kl] = value
            m[.top8Overlap] = value
            m[.logitBias] = key.scheme == .KQV ? -value : value
        }
        return db
    }

    func compare(
        _ db: FixtureDatabase, metric: String = "kl", by: [String] = ["bits"], filter: String? = nil
    ) throws -> CompareReport {
        let request = try CompareRequest(metric: metric, a: "KQV", b: "QKQV", by: by, filter: filter)
        return try CompareEngine.compare(request, in: db.store)
    }

    func close(_ x: Double, _ y: Double, _ tolerance: Double = 1e-12) -> Bool {
        abs(x - y) <= tolerance * max(1, abs(y))
    }

    /// P(U_A ≤ u) of Mann-Whitney by enumerating every split of ranks 1…12 into two groups of 6.
    static func bruteForceMannWhitneyLowerTail(_ u: Double) -> Double {
        var count = 0
        var total = 0
        for mask in 0..<(1 << 12) where mask.nonzeroBitCount == 6 {
            let ranksA = (0..<12).filter { mask & (1 << $0) != 0 }.map { Double($0 + 1) }
            let uA = ranksA.reduce(0, +) - 21
            total += 1
            if uA <= u { count += 1 }
        }
        return Double(count) / Double(total)
    }

    @Test func statisticsMatchIndependentValues() throws {
        let db = try Self.fixture()
        let report = try compare(db)
        #expect(report.rows.map(\.group) == [[.integer(2)], [.integer(4)]])
        let two = report.rows[0]
        let four = report.rows[1]
        #expect(four.n == 6 && four.seeds == 6)
        #expect(close(four.meanA, 3.5))
        #expect(close(four.meanB, Self.b4.reduce(0, +) / 6))
        #expect(close(four.ratio, 2.077380952380952))
        // scipy.stats.ttest_rel(b, a).confidence_interval(0.95)
        #expect(close(four.diffCILow, 1.8032872688770798, 1e-10))
        #expect(close(four.diffCIHigh, 5.738379397789587, 1e-10))
        // Hand formula: d̄ ± t_{0.975,5}·s_d/√6 with scipy's t_{0.975,5} = 2.5705818356363146.
        let d = zip(Self.a, Self.b4).map { $1 - $0 }
        let mean = d.reduce(0, +) / 6
        let sd = (d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 5).squareRoot()
        #expect(close(four.diffCILow, mean - 2.5705818356363146 * sd / 6.0.squareRoot(), 1e-10))
        // Every B > A: W⁺ = 0, W⁻ = 21, r = −1, exact p = 2/2⁶ (scipy wilcoxon(a, b): 0.03125).
        #expect(four.wilcoxonP == 0.03125)
        #expect(four.wilcoxonR == -1)
        #expect(close(four.wilcoxonLog10P, log10(0.03125)))
        // U_A = #(a > b) = 6, r = 2·6/36 − 1; exact p = 2·P(U ≤ 6) (scipy mannwhitneyu: 0.06493506493506493).
        #expect(four.mwU == 6)
        #expect(close(four.mwR, 2.0 * 6 / 36 - 1))
        #expect(close(four.mwP, 2 * Self.bruteForceMannWhitneyLowerTail(6)))
        #expect(close(four.mwP, 0.06493506493506493))
        // n = 2: symmetric differences with tied |d|: W⁺ = W⁻ = 10.5, p = 1; CI symmetric around 0.
        #expect(two.wilcoxonP == 1 && two.wilcoxonR == 0)
        #expect(close(two.diffCIHigh, 0.3801941807152775, 1e-10) && close(two.diffCILow, -0.3801941807152775, 1e-10))
        #expect(two.mwU == 18 && two.mwR == 0 && close(two.mwP, 1))
        #expect(close(two.ratio, 1))
        // The paired t test: scipy ttest_rel(b, a).pvalue; Holm over (0.00437…, 1): 2·0.00437…, then 1.
        #expect(close(four.tP, 0.004372592596934997, 1e-10) && two.tP == 1)
        #expect(close(four.holmP, 0.008745185193869994, 1e-10) && two.holmP == 1)
        // The delta-method ratio CI: numpy means, var/cov (ddof 1) and scipy t.ppf(0.975, 5).
        #expect(close(four.ratioDeltaLow, 2.002124392601447, 1e-10))
        #expect(close(four.ratioDeltaHigh, 2.152637512160457, 1e-10))
        #expect(close(two.ratioDeltaLow, 0.8913730912242066, 1e-10))
        #expect(close(two.ratioDeltaHigh, 1.1086269087757934, 1e-10))
        // The t-CI of n = 4 lies above 0: KQV (A) is better. (The rule before required the Holm-adjusted
        // Wilcoxon p, 0.0625 here, to be below 0.05, and called it a tie.)
        #expect(report.rows.map(\.verdict) == [.tie, .a])
        #expect(report.dataFingerprint == (try db.store.read { try DataFingerprint.compute(in: $0) }))
    }

    @Test func bootstrapRatioIntervalIsSeededPerGroupAndReproducible() throws {
        let db = try Self.fixture()
        let first = try compare(db)
        let second = try compare(db)
        #expect(first.rows == second.rows)
        let four = first.rows[1]
        let request = first.request
        var generator = SplitMix64(seed: CompareEngine.bootstrapSeed(request, group: [.integer(4)]))
        let expected = Bootstrap.ratioOfMeans(Self.a, Self.b4, confidence: 0.95, using: &generator)
        #expect(four.ratioCILow == expected.bcaLow && four.ratioCIHigh == expected.bcaHigh)
        #expect(four.ratioCILow < four.ratio && four.ratio < four.ratioCIHigh)
        #expect(
            CompareEngine.bootstrapSeed(request, group: [.integer(2)])
                != CompareEngine.bootstrapSeed(request, group: [.integer(4)]))
    }

    @Test func verdictsFollowTheMetricsDirection() throws {
        let db = try Self.fixture()
        // The n = 4 group: the CI of b − a lies above 0, so the scheme with the better value wins.
        let kl = try compare(db)
        #expect(kl.rows.map(\.verdict) == [.tie, .a])
        let overlap = try compare(db, metric: "top8_overlap")
        #expect(overlap.rows.map(\.verdict) == [.tie, .b])
        // logit_bias is best at 0: statistics of |value|; KQV's −s is closer to 0 than QKQV's larger +b.
        let bias = try compare(db, metric: "logit_bias")
        #expect(bias.rows.map(\.verdict) == [.tie, .a])
        #expect(close(bias.rows[1].meanA, 3.5))
        #expect(bias.request.comparesAbsoluteValues)
        for direction in MetricDirection.allCases {
            let smallerWins: CompareVerdict = direction == .higher ? .a : .b
            let largerWins: CompareVerdict = direction == .higher ? .b : .a
            #expect(CompareVerdict.decide(diffLow: -2, diffHigh: -1, direction: direction) == smallerWins)
            #expect(CompareVerdict.decide(diffLow: 1, diffHigh: 2, direction: direction) == largerWins)
            #expect(CompareVerdict.decide(diffLow: -2, diffHigh: 1, direction: direction) == .tie)
            #expect(CompareVerdict.decide(diffLow: 0, diffHigh: 1, direction: direction) == .tie)
            #expect(CompareVerdict.decide(diffLow: .nan, diffHigh: .nan, direction: direction) == .tie)
            // A zero-width CI (every seed the same difference): its sign decides, exactly 0 is a tie.
            #expect(CompareVerdict.decide(diffLow: 1e-300, diffHigh: 1e-300, direction: direction) == largerWins)
            #expect(CompareVerdict.decide(diffLow: 0, diffHigh: 0, direction: direction) == .tie)
        }
        #expect(CompareVerdict.a.label(a: .KQV, b: .QKQV) == "KQV")
        #expect(CompareVerdict.b.label(a: .KQV, b: .QKQV) == "QKQV")
        #expect(CompareVerdict.tie.label(a: .KQV, b: .QKQV) == "tie")
    }

    @Test func tinyPValuesKeepTheirLogarithm() {
        // 1500 pairs, B always larger and fully separated: both normal approximations give |z| ≈ 47, p < 1e−308.
        let a = (0..<1500).map { Double($0) }
        let b = a.map { $0 + 10_000 }
        let row = CompareRow(group: [], a: a, b: b, direction: .lower, resamples: 50, bootstrapSeed: 1)
        let m = 1500.0
        let z = (m * m / 2 - 0.5) / (m * m * (2 * m + 1) / 12).squareRoot()
        // Mills ratio series: log Φ̄(z) = log φ(z) − log z + log(1 − 1/z² + 3/z⁴ − 15/z⁶).
        let logTail =
            -z * z / 2 - 0.5 * log(2 * Double.pi) - log(z) + log(1 - 1 / (z * z) + 3 / pow(z, 4) - 15 / pow(z, 6))
        #expect(row.mwP < 1e-300)
        #expect(abs(row.mwLog10P - (log(2) + logTail) / log(10)) < 1e-6)
        #expect(row.wilcoxonLog10P.isFinite && row.wilcoxonLog10P < -300)
        #expect(row.mwR == -1 && row.wilcoxonR == -1)
    }

    @Test func requestsAreValidated() {
        #expect(throws: CompareError.unknownMetric(name: "kll", allowed: Metric.allCases.map(\.rawValue))) {
            try CompareRequest(metric: "kll", a: "KQV", b: "QKQV")
        }
        #expect(throws: CompareError.sameScheme(name: "KQV")) { try CompareRequest(metric: "kl", a: "KQV", b: "kqv") }
        #expect(throws: CompareError.unknownDimension(name: "scheme", allowed: CompareRequest.dimensions)) {
            try CompareRequest(metric: "kl", a: "KQV", b: "QKQV", by: ["scheme"])
        }
        #expect(throws: CompareError.unknownScheme(name: " ", allowed: ["KV", "KQV", "QKQV"])) {
            try CompareRequest(metric: "kl", a: " ", b: "QKQV")
        }
        // Shipped names match case-insensitively; any other name (a declared scheme) is taken as written.
        #expect((try? CompareRequest(metric: "kl", a: "kqv", b: "MSE2"))?.a == "KQV")
        #expect((try? CompareRequest(metric: "kl", a: "kqv", b: "MSE2"))?.b == "MSE2")
    }

    // MARK: - End to end (the built kvlab)

    func kvlab(_ arguments: [String]) throws -> KVLabProcess.Result {
        try KVLabProcess.run(arguments)
    }

    @Test func commandPrintsJSONAndRecordsTheRows() throws {
        let db = try Self.fixture()
        let arguments = ["compare", "--metric", "kl", "--a", "KQV", "--b", "QKQV", "--by", "bits", "--db", db.path]
        let r = try kvlab(arguments + ["--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 2)
        #expect(Set(rows[0].keys) == Set(["bits"] + CompareReport.statisticColumns))
        #expect(rows.map { $0["bits"] as? Int } == [2, 4])
        // Printed verdicts name the scheme; the table stores the codes a, b, tie.
        #expect(rows.map { $0["verdict"] as? String } == ["tie", "KQV"])
        #expect(rows[1]["wilcoxon_p"] as? Double == 0.03125)
        #expect(close(try #require(rows[1]["holm_p"] as? Double), 0.008745185193869994, 1e-10))
        #expect(rows[1]["n"] as? Int == 6 && rows[1]["seeds"] as? Int == 6)
        let fingerprint = try db.store.read { try DataFingerprint.compute(in: $0) }
        let stored = try db.store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT bits, n, seeds, mean_a, verdict, holm_p, t_p, ratio_delta_ci_low, ratio_delta_ci_high,
                        group_json, by_dims, compared_on, data_fingerprint, alpha, distribution,
                        provenance_id IS NOT NULL AS has_provenance
                    FROM compare_results WHERE metric = 'kl' AND scheme_a = 'KQV' AND scheme_b = 'QKQV' ORDER BY bits
                    """)
        }
        #expect(stored.map { $0["bits"] as Int } == [2, 4])
        #expect(stored.map { $0["verdict"] as String } == ["tie", "a"])
        #expect(close(stored[1]["holm_p"] as Double, 0.008745185193869994, 1e-10))
        #expect(close(stored[1]["t_p"] as Double, 0.004372592596934997, 1e-10))
        #expect(close(stored[1]["ratio_delta_ci_low"] as Double, 2.002124392601447, 1e-10))
        #expect(close(stored[1]["ratio_delta_ci_high"] as Double, 2.152637512160457, 1e-10))
        #expect(stored[1]["mean_a"] as Double == 3.5)
        #expect(stored[1]["n"] as Int == 6 && stored[1]["seeds"] as Int == 6)
        #expect(stored[1]["group_json"] as String == "{\"bits\":4}")
        #expect(stored[1]["by_dims"] as String == "bits")
        #expect(stored[1]["compared_on"] as String == "value")
        #expect(stored[1]["data_fingerprint"] as String == fingerprint)
        #expect(stored[1]["alpha"] as Double == 0.05)
        #expect(stored[1]["distribution"] as String? == nil)
        #expect(stored[1]["has_provenance"] as Bool == true)
        // The same comparison again replaces its rows; another --where is another comparison.
        let again = try kvlab(arguments)
        #expect(again.status == 0)
        #expect(again.stdout.split(separator: "\n").count == 4)  // header, rule, 2 rows
        let other = try kvlab(arguments + ["--where", "seed <= 4"])
        #expect(other.status == 0)
        let counts = try db.store.read { db in
            try Row.fetchAll(
                db, sql: "SELECT where_sql, count(*) AS n FROM compare_results GROUP BY where_sql ORDER BY where_sql"
            ).map { "\($0[0] as String):\($0[1] as Int)" }
        }
        #expect(counts == [":2", "seed <= 4:2"])
        // --alpha is gone: every CI is at 95% and nothing else decides.
        let alpha = try kvlab(arguments + ["--alpha", "0.1"])
        #expect(alpha.status != 0 && alpha.stderr.contains("--alpha"))
    }

    @Test func oneSeedGivesNaNIntervalsATieAndANote() throws {
        let db = try Self.fixture(seeds: [3], bits: [4])
        let base = ["compare", "--metric", "kl", "--a", "KQV", "--b", "QKQV", "--db", db.path]
        let r = try kvlab(base + ["--by", "bits", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == (["bits"] + CompareReport.statisticColumns).joined(separator: ","))
        let fields = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let value = Dictionary(uniqueKeysWithValues: zip(["bits"] + CompareReport.statisticColumns, fields))
        #expect(value["n"] == "1" && value["mean_a"] == "3.0" && value["mean_b"] == "6.5")
        #expect(value["diff_ci_low"] == "NaN" && value["ratio_ci_high"] == "NaN" && value["verdict"] == "tie")
        #expect(value["ratio_delta_ci_low"] == "NaN" && value["t_p"] == "NaN")
        #expect(r.stderr.contains("one seed only"))
        let stored = try db.store.read {
            try Row.fetchOne($0, sql: "SELECT diff_ci_low, ratio_ci_low FROM compare_results")
        }
        #expect(stored?[0] as Double? == nil && stored?[1] as Double? == nil)
    }

    @Test func aSeedWithAMissingValueIsLeftOutOfItsGroup() throws {
        // Two cells (gaussian, t3); QKQV's kl is NaN in every trial of t3 at seed 3 (its run mean is NULL).
        let db = try FixtureDatabase()
        try db.addGrid(schemes: [.KQV, .QKQV], bits: [4], distributions: [.gaussian, .t3]) { key, _, m in
            m[.kl] = key.scheme == .QKQV && key.distribution == .t3 && key.seed == 3 ? .nan : Double(key.seed)
        }
        // Pooled: seed 3 has a missing cell, so it leaves the group (as agg leaves out a seed with a NULL).
        let pooled = try compare(db)
        #expect(pooled.rows.map(\.n) == [4] && pooled.droppedSeeds == 1)
        #expect(pooled.rows[0].a == [1, 2, 4, 5])
        // Per distribution: only t3 loses seed 3.
        let split = try compare(db, by: ["distribution"])
        #expect(split.rows.map(\.n) == [5, 4] && split.droppedSeeds == 1)
        let arguments = ["compare", "--metric", "kl", "--a", "KQV", "--b", "QKQV", "--db", db.path]
        let r = try kvlab(arguments)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("1 seed left out of its group"), "\(r.stderr)")
    }

    @Test func badInputExitsTwoWithAClearMessage() throws {
        let db = try Self.fixture(bits: [4])
        let base = ["compare", "--db", db.path]
        let cases: [([String], String)] = [
            (["--metric", "kll", "--a", "KQV", "--b", "QKQV"], "k_angle"),
            (["--metric", "kl", "--a", "KQV", "--b", "QKQV", "--by", "schema"], "distribution"),
            (["--metric", "kl", "--a", "KQV", "--b", "QKQV", "--by", "scheme"], "use --a and --b"),
            (["--metric", "kl", "--a", "KQV", "--b", "KV"], "no runs of scheme KV"),
            (["--metric", "kl", "--a", "KQV", "--b", "KQV"], "both KQV"),
            (["--metric", "kl", "--a", "KQV", "--b", "QKV"], "no runs of scheme QKV"),
            (["--metric", "kl", "--a", "KQV", "--b", "QKQV", "--where", "nope = 1"], "no such column: nope"),
            (["--metric", "kl", "--a", "KQV", "--b", "QKQV", "--where", "bits = 3"], "matches --where"),
        ]
        for (arguments, message) in cases {
            let r = try kvlab(base + arguments)
            #expect(r.status == 2, "\(arguments): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        let filtered = try kvlab(
            base + ["--metric", "kl", "--a", "KQV", "--b", "QKQV", "--where", "seed <= 3", "--format", "json"])
        #expect(filtered.status == 0)
        #expect(filtered.stdout.contains("\"n\":3"))
        let count = try db.store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM compare_results") }
        #expect(count == 1)
    }
}

/// Every dimension `kvlab compare --by` accepts has its column in `compare_results`, and in `run_pairs` (the
/// switches added with datasets and model-level runs failed to store before migration 0008 added them).
struct CompareDimensionColumnTests {
    @Test func everyByDimensionIsAColumnOfCompareResultsAndRunPairs() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        let (stored, pairs) = try store.read { db in
            (
                Set(try Row.fetchAll(db, sql: "PRAGMA table_info(compare_results)").map { $0["name"] as String }),
                Set(try Row.fetchAll(db, sql: "PRAGMA table_info(run_pairs)").map { $0["name"] as String })
            )
        }
        for dimension in CompareRequest.dimensions {
            #expect(stored.contains(dimension), "compare_results lacks \(dimension)")
            #expect(pairs.contains(dimension), "run_pairs lacks \(dimension)")
        }
        #expect(CompareRequest.dimensions.contains("dataset") && CompareRequest.dimensions.contains("model_name"))
    }
}
