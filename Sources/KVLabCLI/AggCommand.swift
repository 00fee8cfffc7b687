import ArgumentParser
import Claims
import ExperimentStore
import Quantization
import Sweeps

/// `kvlab agg`: statistics of metrics grouped by switches, with seeds as replicates and t-based CIs.
struct AggCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agg",
        abstract: "Aggregate metrics by switches: n, mean, sd, se, t-based 95% CI, median, min, max over seeds.",
        discussion: """
            Reads the done current runs (view run_means: one row per run, its switches, seed and per-metric means \
            over trials). --where filters those runs (e.g. "distribution = 't3' AND rank = 8"); then per group \
            and seed the runs are averaged, so the replicate is the seed; the CI is mean ± t_{0.975, n−1}·sd/√n. \
            One output row per group and metric. --show-sql prints the SQL on stderr; it runs unchanged in \
            sqlite3, so an aggregation can become a claim.
            Example: kvlab agg --by scheme,bits --metric kl,k_angle --where "mixing = 'axis'" --format markdown
            """
    )

    @Option(
        help: ArgumentHelp("Switches to group by, comma-separated.", valueName: "dim,…"),
        completion: Completions.switches)
    var by: String

    @Option(help: ArgumentHelp("Metrics, comma-separated.", valueName: "metric,…"), completion: Completions.metrics)
    var metric: String

    @Option(name: .customLong("where"), help: ArgumentHelp("An SQL condition on run_means.", valueName: "sql"))
    var condition: String?

    @Option(
        help: ArgumentHelp(
            "Statistics, comma-separated: n, mean, sd, se, ci95, median, min, max (default n,mean,sd,ci95).",
            valueName: "stat,…"),
        completion: .custom { _, _, prefix in
            Completions.listItems(AggregationQuery.Statistic.allCases.map(\.rawValue), prefix: prefix)
        })
    var stat: String?

    @Flag(help: "Print the SQL that runs (on stderr).")
    var showSQL = false

    @Option(help: "Output format: table, csv, tsv, json, ndjson or markdown.")
    var format: TableFormat = .table

    @OptionGroup var digits: DigitsOptions

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            let query = try AggregationQuery(
                dimensions: Self.list(by), metrics: Self.list(metric), filter: condition,
                statistics: stat.map(Self.list) ?? [], allowedDimensions: Self.dimensions)
            if showSQL { Console.note(query.sql) }
            let store = try database.openExisting(.readOnly)
            if let filter = query.filter {
                let kept = try store.readUntrusted { db in try Store.checkCondition(filter, on: "run_means", in: db) }
                if kept == 0 { Console.warnNoMatch(filter, relation: "run_means") }
            }
            let result = try store.execute(sql: query.sql)
            let text = TableOutput.render(result, format: format, digits: digits.digits)
            if !text.isEmpty { print(text) }
        }
    }

    /// The switches `--by` accepts: every switch of docs/science.md, and `nu`.
    static let dimensions = SwitchName.dimensions

    /// Splits a comma-separated option.
    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

extension AggregationError: KVLabReportable {
    /// Every aggregation option error is bad input.
    var exitStatus: ExitStatus { .badInput }

    /// The error's description.
    var message: String { description }
}
