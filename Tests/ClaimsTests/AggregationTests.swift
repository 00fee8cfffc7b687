import ExperimentStore
import Foundation
import Quantization
import Testing

@testable import Claims

/// `kvlab agg`'s SQL: validation, and numbers equal to a hand computation with seeds as replicates.
struct AggregationTests {
    static let switches = [
        "scheme", "bits", "distribution", "rank", "mixing", "noise", "outliers", "outlier_scale", "dim", "tokens",
        "queries", "logit_scale", "rotation", "qjl", "codebook", "baseline", "norms", "nu",
    ]

    @Test func validationNamesTheAllowedValues() {
        #expect(throws: AggregationError.unknownDimension("schema", allowed: Self.switches)) {
            try AggregationQuery(dimensions: ["schema"], metrics: ["kl"], allowedDimensions: Self.switches)
        }
        #expect {
            try AggregationQuery(dimensions: ["scheme"], metrics: ["KL"], allowedDimensions: Self.switches)
        } throws: { error in
            guard case .unknownMetric("KL", let allowed) = error as? AggregationError else { return false }
            return allowed.contains("k_angle") && allowed.count == Metric.allCases.count
        }
        #expect(throws: AggregationError.self) {
            try AggregationQuery(
                dimensions: ["scheme"], metrics: ["kl"], statistics: ["p99"], allowedDimensions: Self.switches)
        }
        #expect(throws: AggregationError.repeated(option: "--by", value: "bits")) {
            try AggregationQuery(dimensions: ["bits", "bits"], metrics: ["kl"], allowedDimensions: Self.switches)
        }
    }

    @Test func statisticsEqualAHandComputationOverSeeds() throws {
        let db = try FixtureDatabase()
        try db.addGrid(schemes: [.KQV, .QKQV], bits: [4], distributions: [.gaussian, .t3])
        let query = try AggregationQuery(
            dimensions: ["scheme"], metrics: ["kl", "k_angle"], filter: "bits = 4",
            statistics: ["n", "mean", "sd", "se", "ci95", "median", "min", "max"], allowedDimensions: Self.switches)
        #expect(
            query.columns == [
                "scheme", "metric", "n", "mean", "sd", "se", "ci95_low", "ci95_high", "median", "min", "max",
            ])
        let result = try db.store.execute(sql: query.sql)
        #expect(result.columns == query.columns)
        #expect(result.rows.count == 4)
        for row in result.rows {
            guard case .text(let schemeName) = row[0], case .text(let metricName) = row[1],
                let scheme = Scheme(rawValue: schemeName), let metric = Metric(rawValue: metricName)
            else {
                Issue.record("bad row \(row)")
                continue
            }
            // A seed's value: the mean over its two distributions of the run means over two trials.
            let values: [Double] = FixtureDatabase.seeds.map { seed in
                var sum = 0.0
                for distribution in [Distribution.gaussian, .t3] {
                    let key = FixtureDatabase.Key(
                        scheme: scheme, bits: 4, distribution: distribution, rank: 8, mixing: .axis, seed: seed)
                    let first: Double = FixtureDatabase.healthy(key, trial: 0)[metric]
                    let second: Double = FixtureDatabase.healthy(key, trial: 1)[metric]
                    sum += (first + second) / 2
                }
                return sum / 2
            }
            let n = Double(values.count)
            let mean = values.reduce(0, +) / n
            let sd = sqrt(values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1))
            let se = sd / sqrt(n)
            let t975 = 2.7764451051977987
            let sorted = values.sorted()
            let low: Double = mean - t975 * se
            let high: Double = mean + t975 * se
            let expected: [Double] = [n, mean, sd, se, low, high, sorted[2], sorted[0], sorted[4]]
            for (i, e) in expected.enumerated() {
                let actual: Double
                switch row[i + 2] {
                case .integer(let v): actual = Double(v)
                case .real(let v): actual = v
                default:
                    Issue.record("\(query.columns[i + 2]) is \(row[i + 2])")
                    continue
                }
                #expect(
                    abs(actual - e) <= 1e-9 * max(abs(e), 1e-12), "\(schemeName) \(metricName) \(query.columns[i + 2])")
            }
        }
    }

    @Test func evenCountMedianAndNullSeedsAndDefaults() throws {
        let db = try FixtureDatabase()
        try db.addGrid(schemes: [.KQV], bits: [4], distributions: [.gaussian], seeds: [1, 2, 3, 4]) { key, _, m in
            m[.tv] = Double(key.seed)
            if key.seed == 4 { m[.logitVar] = .nan }
        }
        let query = try AggregationQuery(
            dimensions: ["bits"], metrics: ["tv", "logit_var"], statistics: ["n", "median"],
            allowedDimensions: Self.switches)
        let result = try db.store.execute(sql: query.sql)
        #expect(result.rows.count == 2)
        #expect(result.rows[0] == [.integer(4), .text("tv"), .integer(4), .real(2.5)])
        #expect(result.rows[1][2] == .integer(3), "a seed whose value is NaN is not a replicate")
        let defaults = try AggregationQuery(dimensions: ["bits"], metrics: ["tv"], allowedDimensions: Self.switches)
        #expect(defaults.columns == ["bits", "metric", "n", "mean", "sd", "ci95_low", "ci95_high"])
    }
}
