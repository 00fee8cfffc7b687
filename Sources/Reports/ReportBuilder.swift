import Claims
import ExperimentStore
import Foundation
import Quantization
import Sweeps

/// Builds the HTML report of `kvlab report` from a database: it runs the queries (read-only) and composes
/// the page from ``FacetChart`` SVGs and tables.
///
/// Every section tolerates missing data: it says what is missing (collected in ``missing`` and listed at
/// the top of the page) instead of failing. The numbers of the metric and Jensen charts come from
/// ``AggregationQuery``, the SQL of `kvlab agg`, so they equal its output; each point carries them exactly
/// in `data-*` attributes.
public struct ReportBuilder {
    /// What the report shows.
    public struct Options: Sendable {
        /// An SQL condition on `run_means` (as `kvlab agg --where`), or nil.
        public var filter: String?
        /// The metrics charted against bits.
        public var metrics: [Metric]
        /// A switch to facet by besides distribution (one of ``ReportBuilder/facetDimensions``), or nil.
        public var by: String?
        /// The database path shown in the header.
        public var databasePath: String
        /// When the report is made (Unix seconds).
        public var generatedAt: Double
        /// The kvlab release named in the header.
        public var kvlabVersion: String

        /// Options for a report.
        ///
        /// - Parameters:
        ///   - filter: an SQL condition on `run_means`, or nil for every done run.
        ///   - metrics: the metrics charted against bits (default ``ReportBuilder/defaultMetrics``).
        ///   - by: a switch to facet by besides distribution, or nil.
        ///   - databasePath: the database path shown in the header.
        ///   - generatedAt: when the report is made (Unix seconds).
        ///   - kvlabVersion: the kvlab release named in the header.
        public init(
            filter: String? = nil, metrics: [Metric] = ReportBuilder.defaultMetrics, by: String? = nil,
            databasePath: String, generatedAt: Double, kvlabVersion: String
        ) {
            self.filter = filter
            self.metrics = metrics
            self.by = by
            self.databasePath = databasePath
            self.generatedAt = generatedAt
            self.kvlabVersion = kvlabVersion
        }
    }

    /// The metrics charted when `--metric` is not given.
    public static let defaultMetrics: [Metric] = [.kl, .kAngle, .dist6Geo, .oRelL2]

    /// The switches `--by` accepts: every switch except scheme, bits and distribution (already axes).
    public static let facetDimensions = SwitchName.dimensions.filter {
        !["scheme", "bits", "distribution", "nu"].contains($0)
    }

    /// The database.
    let store: Store
    /// The options.
    let options: Options
    /// "What is missing" messages collected while building, shown at the top of the page.
    public internal(set) var missing: [String] = []
    /// The done runs `--where` keeps (nil without `--where`), known once ``page()`` has checked it.
    public private(set) var filteredRuns: Int?
    /// What the synthetic runs cover, read first by ``page()`` and ``figure(_:)`` (nil until then, or when
    /// the runs cannot be read).
    var overview: Overview?

    /// Creates a builder.
    ///
    /// - Parameters:
    ///   - store: the database, read only (through ``Store/execute(sql:parameters:allowWrites:)``).
    ///   - options: what the report shows.
    public init(store: Store, options: Options) {
        self.store = store
        self.options = options
    }

    /// The whole page (XHTML-compatible HTML5, inline CSS and SVG, no script).
    ///
    /// - Throws: ``ConditionError`` when `--where` is not a valid condition on `run_means`.
    public mutating func page() throws -> String {
        try validateFilter()
        readOverview()
        let evaluation = evaluateClaims()
        let maps = verdictMaps()
        let summary = summarySection(claims: evaluation, verdicts: maps)
        let status = statusSection()
        let claims = claimsSection(evaluation)
        let verdicts = verdictSection(maps)
        let data = dataSection()
        let metrics = options.metrics.map { metricSection($0) }.joined()
        let crossover = crossoverSection()
        let compare = compareSection()
        let jensen = jensenSection()
        let datasets = datasetSections()
        let models = modelSections()
        let sections = [
            header(), summary, missingBox(), status, claims, verdicts, data, metrics, crossover, compare, jensen,
            datasets, models,
        ]
        let body = sections.joined()
        return Self.document(title: "kvlab report", body: body)
    }

    /// Runs a read-only query.
    func query(_ sql: String, _ parameters: [String: SQLValue] = [:]) throws -> QueryResult {
        try store.execute(sql: sql, parameters: parameters)
    }

    /// The `--where` condition wrapped for splicing into SQL (`1` when absent).
    var condition: String { options.filter.map { "(\($0))" } ?? "1" }

    /// The synthetic sections' condition: synthetic runs (no dataset source) that pass `--where`.
    var syntheticCondition: String { "source IS NULL AND model IS NULL AND \(condition)" }

    /// Checks that `--where` is a valid condition on run_means and counts the runs it keeps.
    mutating func validateFilter() throws {
        guard let filter = options.filter else { return }
        filteredRuns = try store.readUntrusted { db in try Store.checkCondition(filter, on: "run_means", in: db) }
    }

    /// The page title block.
    private func header() -> String {
        var out = "<header><h1>kvlab report</h1><p class=\"meta\">"
        out += "Database <code>\(Markup.escape(options.databasePath))</code> · generated "
        out += "\(Markup.escape(Markup.timestamp(options.generatedAt))) by kvlab \(options.kvlabVersion) "
        out += "(engine \(Engine.version), schema \(Store.schemaVersion))"
        if let filter = options.filter {
            out += " · runs filtered by <code>\(Markup.escape(filter))</code>"
        }
        out += "</p><p class=\"meta\">Reproducing arXiv "
        out += "<a href=\"https://arxiv.org/abs/2605.08114\">2605.08114</a> (KV-cache quantisation: KV, KQV, QKQV "
        out += "under a fair bit budget). Replicate = seed (a run's mean over its trials); error bars and "
        out += "intervals are t-based 95% CIs over seeds.</p></header>"
        return out
    }

    /// The list of missing data, or a note that nothing is missing.
    private func missingBox() -> String {
        guard !missing.isEmpty else { return "" }
        var out = "<section class=\"missing\" id=\"missing\"><h2>What is missing</h2><ul>"
        for m in missing { out += "<li class=\"missing-item\">\(Markup.escape(m))</li>" }
        return out + "</ul></section>"
    }

    /// A section with a heading.
    static func section(id: String, title: String, _ content: String) -> String {
        "<section id=\"\(id)\"><h2>\(Markup.escape(title))</h2>\(content)</section>"
    }

    /// A paragraph stating missing data (also recorded in ``missing``).
    mutating func missingNote(_ text: String) -> String {
        missing.append(text)
        return "<p class=\"missing-item\">\(Markup.escape(text))</p>"
    }

    /// An HTML table of display strings (all escaped).
    static func table(_ columns: [String], _ rows: [[String]], classes: String = "") -> String {
        var out = "<table class=\"\(classes)\"><thead><tr>"
        for column in columns { out += "<th>\(Markup.escape(column))</th>" }
        out += "</tr></thead><tbody>"
        for row in rows {
            out += "<tr>" + row.map { "<td>\(Markup.escape($0))</td>" }.joined() + "</tr>"
        }
        return out + "</tbody></table>"
    }

    /// A value as display text (`NULL` for NULL; doubles shortest round-trip).
    static func text(_ value: SQLValue) -> String { TableOutput.text(value) ?? "NULL" }

    /// A value as a double (nil for NULL and text).
    static func double(_ value: SQLValue) -> Double? {
        switch value {
        case .real(let d): return d
        case .integer(let i): return Double(i)
        default: return nil
        }
    }

    /// A value as an integer (nil unless it is one).
    static func integer(_ value: SQLValue) -> Int? {
        if case .integer(let i) = value { return Int(i) }
        if case .real(let d) = value, d == d.rounded(), abs(d) < 1e15 { return Int(d) }
        return nil
    }

    /// The full document around a body.
    static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
        <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>\(Markup.escape(title))</title>
        <style>
        \(stylesheet)
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    /// The page's CSS (print-friendly, no external resources).
    static let stylesheet = """
        body { font-family: Helvetica, Arial, sans-serif; font-size: 14px; color: #1a1a1a; margin: 24px 32px;
          max-width: 1240px; line-height: 1.4; }
        h1 { font-size: 24px; margin: 0 0 4px 0; }
        h2 { font-size: 19px; border-bottom: 2px solid #333; padding-bottom: 3px; margin-top: 34px; }
        h3 { font-size: 16px; margin: 22px 0 6px 0; }
        .meta { color: #444; margin: 2px 0; }
        code { font-family: Menlo, Consolas, monospace; font-size: 12.5px; background: #f2f2f2; padding: 0 3px; }
        table { border-collapse: collapse; margin: 8px 0 14px 0; font-size: 13px; }
        th, td { border: 1px solid #c8c8c8; padding: 3px 8px; text-align: left; vertical-align: top; }
        th { background: #ececec; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.rows { font-size: 12px; margin: 4px 0 10px 24px; }
        .verdict { font-weight: bold; padding: 1px 6px; border-radius: 3px; white-space: nowrap; }
        .verdict-pass { background: #d9efd9; color: #14521b; border: 1px solid #14521b; }
        .verdict-fail { background: #fbdcdc; color: #8a1010; border: 1px solid #8a1010; }
        .verdict-inconclusive { background: #fff2cc; color: #6b5200; border: 1px dashed #6b5200; }
        .verdict-error { background: #e8e8e8; color: #000; border: 2px solid #000; }
        .missing { background: #fff7e0; border: 1px solid #d9a400; padding: 4px 14px; }
        .missing h2 { border: none; margin-top: 6px; }
        p.missing-item { color: #7a4a00; font-style: italic; }
        .note { color: #444; font-size: 13px; }
        svg.chart { display: block; margin: 6px 0 4px 0; height: auto; }
        .summary { background: #f4f7fb; border: 1px solid #9fb3cc; padding: 4px 16px 8px 16px; }
        .summary h2 { border: none; margin-top: 8px; }
        .summary li { margin: 3px 0; }
        .win { font-weight: bold; }
        table.claims td code { white-space: nowrap; }
        details { margin: 6px 0; }
        p.rows-note { margin: 2px 0 0 24px; }
        """
}
