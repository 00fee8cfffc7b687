import Claims
import ExperimentStore
import Foundation
import Quantization
import Sweeps

extension ReportBuilder {
    /// One row of the aggregation: a metric's statistics over seeds in one (facet, scheme, bits) group.
    struct Cell: Sendable {
        /// The facet switch values (distribution, then `--by`).
        var facet: [SQLValue]
        /// The scheme.
        var scheme: String
        /// The bit budget.
        var bits: Int
        /// The metric name.
        var metric: String
        /// Seeds with a value.
        var n: Int
        /// Mean over seeds (NaN when undefined).
        var mean: Double
        /// Lower end of the t-based 95% CI (nil when n < 2).
        var low: Double?
        /// Upper end of the t-based 95% CI (nil when n < 2).
        var high: Double?
    }

    /// The facet switches: distribution, then `--by` if given, else mixing when it varies (see ``facetBy``).
    var facetDimensions: [String] { ["distribution"] + (facetBy.map { [$0] } ?? []) }

    /// The second facet switch: `--by` if given; else mixing when the synthetic runs have more than one
    /// (claim 1 is checked on axis mixing only, and on dense mixing the theory expects KV and KQV to tie, so
    /// the two are never pooled by default); else none.
    var facetBy: String? { options.by ?? (varyingSwitches.contains("mixing") ? "mixing" : nil) }

    /// The switches that take more than one value in the report's synthetic runs (from ``overview``).
    var varyingSwitches: [String] { overview?.switches.filter { $0.count > 1 }.map(\.name) ?? [] }

    /// What the report's synthetic runs (those `--where` keeps) cover.
    struct Overview: Sendable {
        /// One switch: how many distinct values it takes, and which.
        struct Spread: Sendable {
            /// The switch.
            var name: String
            /// Distinct values.
            var count: Int
            /// The values, comma-separated as SQLite's `group_concat` gives them.
            var values: String
        }

        /// Done runs.
        var runs: Int
        /// Trials of those runs, seeds, the smallest and the largest seed (display text).
        var trials: String, seeds: String, firstSeed: String, lastSeed: String
        /// Every switch, in ``SwitchName`` order.
        var switches: [Spread]
    }

    /// Reads ``Overview`` (nil, with a note in ``missing``, when the runs cannot be read).
    mutating func readOverview() {
        do {
            let switches = SwitchName.allCases.map(\.rawValue)
            let columns = switches.map { s in "count(DISTINCT \"\(s)\"), group_concat(DISTINCT \"\(s)\")" }
            let result = try query(
                "SELECT count(*), count(DISTINCT seed), min(seed), max(seed), coalesce(sum(trials), 0), "
                    + columns.joined(separator: ", ") + " FROM run_means WHERE \(syntheticCondition)")
            let r = result.rows.first ?? []
            overview = Overview(
                runs: r.first.flatMap(Self.integer) ?? 0, trials: Self.text(r[4]), seeds: Self.text(r[1]),
                firstSeed: Self.text(r[2]), lastSeed: Self.text(r[3]),
                switches: switches.enumerated().map { i, s in
                    Overview.Spread(name: s, count: Self.integer(r[5 + 2 * i]) ?? 0, values: Self.text(r[6 + 2 * i]))
                })
        } catch {
            overview = nil
            missing.append("the runs could not be read: \(error)")
        }
    }

    /// The statistics of metrics by facet × scheme × bits, computed by the SQL of `kvlab agg`.
    ///
    /// - Parameters:
    ///   - metrics: the metrics.
    ///   - dimensions: the facet switches (scheme and bits are appended).
    func cells(_ metrics: [Metric], dimensions: [String]) throws -> [Cell] {
        let aggregation = try AggregationQuery(
            dimensions: dimensions + ["scheme", "bits"], metrics: metrics.map(\.rawValue), filter: syntheticCondition,
            statistics: ["n", "mean", "ci95"], allowedDimensions: SwitchName.dimensions)
        let result = try query(aggregation.sql)
        let k = dimensions.count
        return result.rows.compactMap { r -> Cell? in
            guard case .text(let scheme) = r[k], let bits = Self.integer(r[k + 1]) else { return nil }
            return Cell(
                facet: Array(r[0..<k]), scheme: scheme, bits: bits, metric: Self.text(r[k + 2]),
                n: Self.integer(r[k + 3]) ?? 0, mean: Self.double(r[k + 4]) ?? .nan, low: Self.double(r[k + 5]),
                high: Self.double(r[k + 6]))
        }
    }

    /// Orders switch values: distributions as in docs/science.md, numbers numerically, text alphabetically.
    static func sortedValues(_ values: [SQLValue]) -> [SQLValue] {
        var unique: [SQLValue] = []
        for v in values where !unique.contains(v) { unique.append(v) }
        let order = Distribution.allCases.map(\.rawValue) + Scheme.allCases.map(\.rawValue)
        return unique.sorted { a, b in
            switch (Self.double(a), Self.double(b)) {
            case (let x?, let y?): return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil):
                let (ta, tb) = (Self.text(a), Self.text(b))
                let (ia, ib) = (order.firstIndex(of: ta) ?? Int.max, order.firstIndex(of: tb) ?? Int.max)
                return ia != ib ? ia < ib : ta < tb
            }
        }
    }

    /// The schemes in display order (KV, KQV, QKQV, then others alphabetically).
    static func sortedSchemes(_ names: [String]) -> [String] {
        sortedValues(names.map { .text($0) }).map(Self.text)
    }

    /// A facet's title from its switch values.
    func facetTitle(_ values: [SQLValue]) -> String { Self.label(facetDimensions, values) }

    /// A cell's label from its switch values: a distribution by its name, other switches as `name=value`
    /// (`t3 · rank=8`).
    static func label(_ dimensions: [String], _ values: [SQLValue]) -> String {
        zip(dimensions, values).map { d, v in d == "distribution" ? text(v) : "\(d)=\(text(v))" }
            .joined(separator: " · ")
    }

    /// Whether one key (switch values) sorts before another, comparing the positions in `order` (default:
    /// left to right) by ``sortedValues(_:)``.
    static func keyLess(_ x: [SQLValue], _ y: [SQLValue], order: [Int]? = nil) -> Bool {
        for i in order ?? Array(x.indices) where i < x.count && i < y.count && x[i] != y[i] {
            return sortedValues([x[i], y[i]]).first == x[i]
        }
        return false
    }

    /// Small multiples of a metric's cells: one facet per facet key (rows = `--by` values, columns =
    /// distributions), one series per scheme.
    func chart(_ cells: [Cell], metric: Metric, reference: FacetChart.Reference? = nil) -> FacetChart {
        let schemes = Self.sortedSchemes(cells.map(\.scheme))
        let distributions = Self.sortedValues(cells.map { $0.facet[0] })
        let others = Self.sortedValues(cells.compactMap { $0.facet.count > 1 ? $0.facet[1] : nil })
        let keys: [[SQLValue]] =
            facetBy == nil
            ? distributions.map { [$0] } : others.flatMap { o in distributions.map { [$0, o] } }
        var facets: [FacetChart.Facet] = []
        for key in keys {
            let inFacet = cells.filter { $0.facet == key }
            var series: [FacetChart.Series] = []
            for (i, scheme) in schemes.enumerated() {
                let points = inFacet.filter { $0.scheme == scheme }.map { cell in
                    point(cell, title: facetTitle(key))
                }
                series.append(FacetChart.Series(name: scheme, style: .scheme(scheme, index: i), points: points))
            }
            let empty = inFacet.allSatisfy { !$0.mean.isFinite }
            facets.append(FacetChart.Facet(title: facetTitle(key), series: series, note: empty ? "no data" : nil))
        }
        var legend = schemes.enumerated().map { i, s in
            FacetChart.LegendEntry(label: s, style: .scheme(s, index: i))
        }
        if let reference {
            let style = SeriesStyle(color: "#000000", marker: .circle, filled: true, dash: "4 3")
            legend.append(FacetChart.LegendEntry(label: reference.label, style: style, marker: false))
        }
        let columns = facetBy == nil ? min(5, max(1, facets.count)) : max(1, distributions.count)
        return FacetChart(
            facets: facets, columns: columns, yTitle: "\(metric.rawValue) (\(metric.unit))", reference: reference,
            legend: legend,
            description: "\(metric.rawValue) against bits per scheme, by \(facetDimensions.joined(separator: " × "))")
    }

    /// A chart point carrying the cell's exact numbers in `data-*` attributes.
    func point(_ cell: Cell, title: String) -> FacetChart.Point {
        var attributes: [(String, String)] = [("metric", cell.metric)]
        for (d, v) in zip(facetDimensions, cell.facet) {
            attributes.append((d.replacingOccurrences(of: "_", with: "-"), Self.text(v)))
        }
        attributes += [
            ("scheme", cell.scheme), ("bits", String(cell.bits)), ("n", String(cell.n)),
            ("mean", Markup.exact(cell.mean)),
        ]
        if let low = cell.low, let high = cell.high {
            attributes += [("ci95-low", Markup.exact(low)), ("ci95-high", Markup.exact(high))]
        }
        var tooltip = "\(cell.scheme), \(cell.bits) bits, \(title): \(cell.metric) = \(Markup.number(cell.mean))"
        if let low = cell.low, let high = cell.high {
            tooltip += " [\(Markup.number(low)), \(Markup.number(high))]"
        }
        tooltip += ", n = \(cell.n) seeds"
        return FacetChart.Point(
            x: cell.bits, mean: cell.mean, low: cell.low, high: cell.high, tooltip: tooltip, attributes: attributes)
    }

    /// One metric's chart with its caption and missing-data notes.
    mutating func metricSection(_ metric: Metric) -> String {
        let title = "\(metric.rawValue): \(metric.summary)"
        var out = ""
        do {
            let cells = try cells([metric], dimensions: facetDimensions)
            let defined = cells.filter { $0.mean.isFinite }
            if defined.isEmpty {
                out += missingNote(noValues(metric))
                return "<section id=\"metric-\(metric.rawValue)\"><h3>\(Markup.escape(title))</h3>\(out)</section>"
            }
            let chart = chart(cells, metric: metric)
            out += chart.svg()
            out += "<p class=\"note\">Mean over seeds with 95% t-CI error bars (\(metric.direction.rawValue) is "
            out += "better); schemes are offset slightly along x so their bars stay visible. "
            out +=
                chart.scale.isLog
                ? "Log scale: the means span more than 1.5 decades; a bar without its lower cap reaches 0 or "
                    + "below (off a log axis)." : "Linear scale."
            if cells.contains(where: { $0.mean.isFinite && $0.low == nil }) {
                out += " Points without a bar have fewer than 2 seeds (no CI)."
            }
            out += "</p>"
            let absent = Scheme.allCases.map(\.rawValue).filter { s in !defined.contains { $0.scheme == s } }
            for s in absent where !missing.contains("scheme \(s) absent: no done runs" + filterSuffix) {
                out += missingNote("scheme \(s) absent for metric \(metric.rawValue)" + filterSuffix)
            }
        } catch {
            out += missingNote("metric \(metric.rawValue) could not be aggregated: \(error)")
        }
        return "<section id=\"metric-\(metric.rawValue)\"><h3>\(Markup.escape(title))</h3>\(out)</section>"
    }

    /// The note for a metric without values.
    func noValues(_ metric: Metric) -> String {
        "no done runs with a value for metric \(metric.rawValue)" + filterSuffix
    }

    /// " (with --where …)" when a filter is set.
    var filterSuffix: String { options.filter.map { " (with --where \($0))" } ?? "" }

    /// What the charts cover: runs, seeds, and which switches vary (and are pooled per seed).
    mutating func dataSection() -> String {
        var out = ""
        guard let overview else {
            return Self.section(id: "metrics", title: "Metrics against the bit budget", out)
        }
        if overview.runs == 0 {
            out += missingNote("no done synthetic runs" + filterSuffix + ": every chart below is empty")
        } else {
            out += "<p>Synthetic data (the datasets have their own sections at the end). "
            out += "\(overview.runs) done runs (\(overview.trials) trials), \(overview.seeds) seeds "
            out += "(\(overview.firstSeed)–\(overview.lastSeed)).</p>"
            let axes = ["scheme", "bits"] + facetDimensions
            let rows = overview.switches.map { s in
                [s.name, String(s.count), s.count == 0 ? "(not applicable)" : s.values]
            }
            let pooled = overview.switches.filter { $0.count > 1 && !axes.contains($0.name) }.map(\.name)
            out += "<details><summary>Switch values present</summary>"
            out += Self.table(["switch", "values", "present"], rows) + "</details>"
            if options.by == nil, facetBy == "mixing" {
                out += "<p class=\"note\">Faceted by mixing: claim 1 (<code>kqv-wins-at-n4</code>) is checked on axis "
                out += "mixing, and on dense mixing the theory expects KV and KQV to tie, so the two mixings are "
                out += "shown apart (<code>--by</code> chooses another switch).</p>"
            }
            if pooled.isEmpty {
                out += "<p class=\"note\">Every switch other than the chart axes is fixed.</p>"
            } else {
                out += "<p class=\"note\">Pooled in the charts (runs averaged per seed, as <code>kvlab agg</code> "
                out += "does): <strong>\(Markup.escape(pooled.joined(separator: ", ")))</strong>. Use "
                out += "<code>--where</code> or <code>--by</code> to separate them.</p>"
            }
            let schemes = overview.switches.first { $0.name == "scheme" }?.values ?? ""
            for s in Scheme.allCases.map(\.rawValue) where !schemes.split(separator: ",").contains(Substring(s)) {
                out += missingNote("scheme \(s) absent: no done runs" + filterSuffix)
            }
        }
        return Self.section(id: "metrics", title: "Metrics against the bit budget", out)
    }
}
