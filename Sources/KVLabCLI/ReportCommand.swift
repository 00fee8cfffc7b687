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
        abstract:
            "Write a self-contained HTML report with SVG plots (summary, claims, verdict maps, metrics…), or one figure.",
        discussion: """
            The report opens from disk in any browser; it needs no network and no JavaScript. Sections: a \
            summary of the findings; sweeps and provenance; the shipped claims evaluated read-only with their \
            failing rows; per-cell verdict maps (cells × bits, KQV vs QKQV and KV vs KQV on kl and k_angle, by \
            the engine of kvlab compare); per metric a chart against bits per scheme (95% t-CIs over seeds, log \
            scale when the values span decades) faceted by distribution and by --by (default: mixing, when the \
            runs have both); the k_angle crossover (QKQV − KQV); the compare table at n = 4 on kl; the Jensen \
            diagnostics. Missing data is listed, never an error.
            --figure NAME writes one figure instead, as a standalone SVG file: \(figureHelp). A figure \
            without data is an error (exit 2) and writes nothing.
            Example: kvlab report --out report.html --where "mixing = 'axis'" --by rank
            Example: kvlab report --figure verdicts-kl-KQV-QKQV --out qkqv-vs-kqv.svg
            """
    )

    /// The figure names as the help lists them.
    static let figureHelp =
        "metric-M (M any metric, e.g. metric-kl), "
        + ReportBuilder.figureNames.filter { !$0.hasPrefix("metric-") }.joined(separator: ", ")

    /// The HTML file (or, with `--figure`, the SVG file) to write.
    @Option(
        help: ArgumentHelp("The HTML file to write (with --figure: the SVG file).", valueName: "file"),
        completion: .file(extensions: ["html", "svg"]))
    var out: String

    /// `--figure`: write only this figure.
    @Option(
        help: ArgumentHelp("Write only this figure as an SVG file: \(figureHelp).", valueName: "name"),
        completion: .list(ReportBuilder.figureNames))
    var figure: String?

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
            let figureName = try figure.map(Self.figureName)
            let store = try database.openExisting(.readOnly)
            var builder = ReportBuilder(store: store, options: options)
            if let figureName {
                let figure = try builder.figure(figureName)
                if builder.filteredRuns == 0 { Console.warnNoMatch(condition, relation: "run_means") }
                guard let svg = figure else {
                    throw CLIError.badInput(
                        "figure \(figureName): " + builder.missing.joined(separator: "; ") + "; nothing written")
                }
                try OutputFile(path: out, input: database.path, force: force).write(svg)
                Console.note("wrote \(out)")
                return
            }
            let html = try builder.page()
            if builder.filteredRuns == 0 { Console.warnNoMatch(condition, relation: "run_means") }
            try OutputFile(path: out, input: database.path, force: force).write(html)
            let missing = builder.missing.count
            Console.note("wrote \(out)" + (missing == 0 ? "" : " (\(missing) notes on missing data)"))
        }
    }

    /// The figure named by `--figure` (case-insensitive), in its canonical spelling.
    ///
    /// - Throws: ``CLIError`` (exit 2) for an unknown name, listing every figure.
    static func figureName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard let known = ReportBuilder.figureNames.first(where: { $0.lowercased() == trimmed.lowercased() }) else {
            throw CLIError.badInput(
                "unknown figure '\(name)' for --figure; figures: " + ReportBuilder.figureNames.joined(separator: ", "))
        }
        return known
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
