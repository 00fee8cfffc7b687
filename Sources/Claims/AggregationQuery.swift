import Quantization

/// The SQL of `kvlab agg`: statistics of metrics grouped by switches, with seeds as replicates.
///
/// The query reads the view `run_means` (one row per done current run: its switches, seed and per-metric
/// means over trials). Runs are first filtered by the `--where` condition, then, per group and seed, the
/// runs of the group are averaged (a seed's value is NULL when any of its runs has no value for the
/// metric); the statistics are over those per-seed values: n (seeds with a value), mean, sd (divisor
/// n − 1), se = sd/√n, the t-based 95% CI mean ± t_{0.975, n−1}·se (t from the `t_quantiles` table, the
/// largest tabulated df ≤ n − 1), median, min and max. The SQL uses no kvlab-only function, so it runs
/// unchanged in the `sqlite3` shell.
public struct AggregationQuery: Sendable, Equatable {
    /// A statistic column group of the output.
    public enum Statistic: String, Sendable, CaseIterable {
        /// The number of seeds with a value.
        case n
        /// The mean over seeds.
        case mean
        /// The sample standard deviation over seeds (divisor n − 1).
        case sd
        /// The standard error sd/√n.
        case se
        /// The t-based 95% CI: columns `ci95_low` and `ci95_high`.
        case ci95
        /// The median over seeds.
        case median
        /// The smallest per-seed value.
        case min
        /// The largest per-seed value.
        case max

        /// The statistics shown when none are asked for.
        public static let defaults: [Statistic] = [.n, .mean, .sd, .ci95]
    }

    /// The grouping switches, in output order.
    public var dimensions: [String]
    /// The metrics, in output order (one output row per group and metric).
    public var metrics: [Metric]
    /// An SQL condition on `run_means` columns (switches, seed, metric means), or nil.
    public var filter: String?
    /// The statistics, in output order.
    public var statistics: [Statistic]

    /// Validates and creates a query.
    ///
    /// - Parameters:
    ///   - dimensions: switch names to group by (at least one, no repeats).
    ///   - metrics: metric names (at least one, no repeats).
    ///   - filter: an SQL condition, or nil.
    ///   - statistics: statistic names (empty: ``Statistic/defaults``).
    ///   - allowedDimensions: the switch names that may be grouped by.
    /// - Throws: ``AggregationError`` naming the bad value and listing the allowed ones.
    public init(
        dimensions: [String], metrics: [String], filter: String? = nil, statistics: [String] = [],
        allowedDimensions: [String]
    ) throws(AggregationError) {
        guard !dimensions.isEmpty else { throw .empty(option: "--by") }
        guard !metrics.isEmpty else { throw .empty(option: "--metric") }
        for (i, d) in dimensions.enumerated() {
            guard allowedDimensions.contains(d) else { throw .unknownDimension(d, allowed: allowedDimensions) }
            guard !dimensions[..<i].contains(d) else { throw .repeated(option: "--by", value: d) }
        }
        var parsedMetrics: [Metric] = []
        for m in metrics {
            guard let metric = Metric(rawValue: m) else {
                throw .unknownMetric(m, allowed: Metric.allCases.map(\.rawValue))
            }
            guard !parsedMetrics.contains(metric) else { throw .repeated(option: "--metric", value: m) }
            parsedMetrics.append(metric)
        }
        var parsedStatistics: [Statistic] = []
        for s in statistics {
            guard let statistic = Statistic(rawValue: s) else {
                throw .unknownStatistic(s, allowed: Statistic.allCases.map(\.rawValue))
            }
            guard !parsedStatistics.contains(statistic) else { throw .repeated(option: "--stat", value: s) }
            parsedStatistics.append(statistic)
        }
        let trimmed = filter?.trimmingSpaces()
        self.dimensions = dimensions
        self.metrics = parsedMetrics
        self.filter = trimmed?.isEmpty == false ? trimmed : nil
        self.statistics = parsedStatistics.isEmpty ? Statistic.defaults : parsedStatistics
    }

    /// The output columns: the dimensions, `metric`, then the statistics (ci95 as two columns).
    public var columns: [String] {
        dimensions + ["metric"] + statistics.flatMap { $0 == .ci95 ? ["ci95_low", "ci95_high"] : [$0.rawValue] }
    }

    /// The SQL text (portable: plain SQLite with window functions and the `t_quantiles` table).
    public var sql: String {
        let dims = dimensions.map(Self.quoted).joined(separator: ", ")
        let perSeed = metrics.map { m in
            let c = Self.quoted(m.rawValue)
            return "        CASE WHEN count(\(c)) = count(*) THEN avg(\(c)) END AS \(c)"
        }
        let unpivot = metrics.enumerated().map { index, m in
            let column = Self.quoted(m.rawValue)
            return "    SELECT \(dims), \(index) AS k, '\(m.rawValue)' AS metric, \(column) AS value FROM seeds"
        }
        let outputs = statistics.flatMap { statistic -> [String] in
            switch statistic {
            case .n: return ["n"]
            case .mean: return ["mean"]
            case .sd: return ["sd"]
            case .se: return ["sd / sqrt(n) AS se"]
            case .ci95: return ["mean - t975 * sd / sqrt(n) AS ci95_low", "mean + t975 * sd / sqrt(n) AS ci95_high"]
            case .median: return ["median"]
            case .min: return ["\"min\""]
            case .max: return ["\"max\""]
            }
        }
        return """
            WITH runs AS (
                SELECT * FROM run_means WHERE \(filter.map { "(\($0))" } ?? "1")
            ),
            seeds AS (
                SELECT
                    \(dims), seed,
            \(perSeed.joined(separator: ",\n"))
                FROM runs
                GROUP BY \(dims), seed
            ),
            seed_values AS (
            \(unpivot.joined(separator: "\n    UNION ALL\n"))
            ),
            ranked AS (
                SELECT
                    *, avg(value) OVER cell AS centre, count(value) OVER cell AS c,
                    row_number() OVER (PARTITION BY \(dims), k ORDER BY value NULLS LAST) AS r
                FROM seed_values
                WINDOW cell AS (PARTITION BY \(dims), k)
            ),
            stats AS (
                SELECT
                    \(dims), k, metric, count(value) AS n, avg(value) AS mean,
                    sqrt(sum((value - centre) * (value - centre)) / (count(value) - 1)) AS sd,
                    avg(CASE WHEN r IN ((c + 1) / 2, (c + 2) / 2) THEN value END) AS median,
                    min(value) AS "min", max(value) AS "max"
                FROM ranked
                GROUP BY \(dims), k
            )
            SELECT \(dims), metric, \(outputs.joined(separator: ", "))
            FROM (
                SELECT
                    stats.*,
                    (SELECT q.q975 FROM t_quantiles AS q WHERE q.df <= stats.n - 1 ORDER BY q.df DESC LIMIT 1) AS t975
                FROM stats
            )
            ORDER BY \(dims), k;
            """
    }

    /// A double-quoted SQL identifier.
    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
