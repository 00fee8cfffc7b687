import ArgumentParser
import ExperimentStore
import Foundation
import Quantization
import Reports

/// `kvlab report`: a self-contained HTML report (inline SVG and CSS, no script) of a database.
struct ReportCommand: AsyncParsableCommand {
    /// The command's name, abstract and help.
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report with SVG plots: status, claims, metrics, crossover, Jensen.",
        discussion: """
            The report opens from disk in any browser; it needs no network and no JavaScript. Sections: sweeps \
            and provenance; the shipped claims evaluated read-only with their failing rows; per metric a chart \
            against bits per scheme (95% t-CIs over seeds, log scale when the values span decades) faceted by \
            distribution (and --by); the k_angle crossover (QKQV − KQV); the compare table at n = 4 on kl; the \
            Jensen diagnostics. Missing data is listed, never an error.
            Example: kvlab report --out report.html --where "mixing = 'axis'" --by rank
            """
    )

    /// The HTML file to write.
    @Option(help: ArgumentHelp("The HTML file to write.", valueName: "file"), completion: .file(extensions: ["html"]))
    var out: String

    /// `--force`: replace an existing SQLite file.
    @Flag(help: "Replace an existing SQLite file at --out (never the database being read).")
    var force = false

    /// `--where`: an SQL condition on run_means.
    @Option(name: .customLong("where"), help: ArgumentHelp("An SQL condition on run_means.", valueName: "sql"))
    var condition: String?

    /// `--metric`: the metrics charted against bits.
    @Option(
        help: ArgumentHelp(
            "Metrics charted against bits, comma-separated (default kl,k_angle,dist6_geo,o_rel_l2).",
            valueName: "metric,…"),
        completion: Completions.metrics)
    var metric: String?

    /// `--by`: a switch to facet by besides distribution.
    @Option(
        help: ArgumentHelp("Also facet by this switch (e.g. rank).", valueName: "dim"), completion: Completions.switches
    )
    var by: String?

    /// `--db`.
    @OptionGroup var database: DatabaseOptions

    /// Validates the options, builds the report from one read-only database and writes it atomically.
    func run() async throws {
        try await reportingErrors {
            let options = try Self.options(
                metric: metric, by: by, condition: condition, databasePath: database.path)
            let store = try database.openExisting(.readOnly)
            var builder = ReportBuilder(store: store, options: options)
            let html = try builder.page()
            if builder.filteredRuns == 0 { Console.warnNoMatch(condition, relation: "run_means") }
            try OutputFile(path: out, input: database.path, force: force).write(html)
            let missing = builder.missing.count
            Console.note("wrote \(out)" + (missing == 0 ? "" : " (\(missing) notes on missing data)"))
        }
    }

    /// Validates `--metric` and `--by` (bad values are bad input, exit 2, with the allowed values).
    static func options(metric: String?, by: String?, condition: String?, databasePath: String) throws
        -> ReportBuilder.Options
    {
        var metrics: [Metric] = []
        for name in AggCommand.list(metric ?? "") {
            guard let m = Metric(rawValue: name) else {
                throw CLIError.badInput(
                    "unknown metric '\(name)' for --metric; allowed: "
                        + Metric.allCases.map(\.rawValue).joined(separator: ", "))
            }
            if !metrics.contains(m) { metrics.append(m) }
        }
        if metric != nil, metrics.isEmpty {
            throw CLIError.badInput("--metric needs at least one metric")
        }
        if let by, !ReportBuilder.facetDimensions.contains(by) {
            throw CLIError.badInput(
                "unknown switch '\(by)' for --by; allowed: " + ReportBuilder.facetDimensions.joined(separator: ", "))
        }
        let trimmed = condition?.trimmingCharacters(in: .whitespacesAndNewlines)
        return ReportBuilder.Options(
            filter: trimmed?.isEmpty == false ? trimmed : nil,
            metrics: metrics.isEmpty ? ReportBuilder.defaultMetrics : metrics, by: by, databasePath: databasePath,
            generatedAt: Store.now(), kvlabVersion: VersionInfo.kvlab)
    }
}
