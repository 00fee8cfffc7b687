import Claims
import ExperimentStore
import Foundation
import Quantization

extension ReportBuilder {
    /// Compares two schemes with the engine of `kvlab compare` (``CompareEngine``) on the report's runs: both
    /// runs of a pair must pass `--where`, and `bits`, when given, keeps one budget. Its rows carry the same
    /// numbers as `kvlab compare --metric M --a A --b B --by DIMS` with that filter: per group, one (A, B)
    /// pair per seed, the paired 95% t-CI of b − a deciding the verdict.
    ///
    /// - Parameters:
    ///   - metric: the metric compared.
    ///   - a: scheme A.
    ///   - b: scheme B (differences are b − a, the ratio b/a).
    ///   - by: the switches to group by (may be empty: pooled over every cell).
    ///   - bits: only this budget, or nil for all.
    ///   - data: the condition that picks the data (synthetic by default; a dataset's section names it).
    /// - Returns: one row per group, in the order of the `--by` values; empty when no pair remains.
    func comparison(
        _ metric: Metric, a: Scheme, b: Scheme, by: [String], bits: Int? = nil,
        data: String = "source IS NULL AND model IS NULL"
    ) throws -> [CompareRow] {
        var conditions: [String] = []
        if let bits { conditions.append("bits = \(bits)") }
        conditions.append(data)
        if options.filter != nil {
            let kept = "(SELECT run_id FROM run_means WHERE \(condition))"
            conditions.append("a_run_id IN \(kept) AND b_run_id IN \(kept)")
        }
        let request = try CompareRequest(
            metric: metric.rawValue, a: a.rawValue, b: b.rawValue, by: by,
            filter: conditions.isEmpty ? nil : conditions.joined(separator: " AND "))
        do {
            return try CompareEngine.compare(request, in: store).rows
        } catch CompareError.noPairs, CompareError.schemeAbsent {
            return []
        }
    }

    /// The k_angle crossover: QKQV − KQV paired differences per bits with CIs, zero line marked.
    mutating func crossoverSection() -> String {
        var out = "<p class=\"note\">Paper claim 3: QKQV better (difference below 0) at n ∈ {2, 3, 5}, KQV better "
        out += "(above 0) at n ∈ {4, 6}. Each point is the mean over seeds of QKQV − KQV (paired runs: same data, "
        out += "rotations, sketches and seed; a seed's value is its mean over the facet's cells) with its paired 95% "
        out += "t-CI, by the engine of <code>kvlab compare</code>. Filled markers: the CI excludes 0; open: a tie."
        out += "</p>"
        do {
            if let chart = try crossoverChart() {
                out += chart.svg()
            } else {
                out += missingNote("no paired KQV and QKQV runs with k_angle" + filterSuffix + ": no crossover view")
            }
        } catch {
            out += missingNote("the k_angle crossover could not be computed: \(error)")
        }
        return Self.section(id: "crossover", title: "k_angle crossover (QKQV − KQV)", out)
    }

    /// The k_angle difference QKQV − KQV against bits per facet; nil without paired runs.
    func crossoverChart() throws -> FacetChart? {
        let cells = try comparison(.kAngle, a: .KQV, b: .QKQV, by: facetDimensions + ["bits"])
        return cells.isEmpty ? nil : differenceChart(cells, metric: .kAngle, label: "QKQV − KQV")
    }

    /// A chart of paired differences (rows of ``comparison(_:a:b:by:bits:)`` grouped by the facet switches
    /// and bits), one facet per facet key, markers by verdict.
    func differenceChart(_ cells: [CompareRow], metric: Metric, label: String) -> FacetChart {
        let distributions = Self.sortedValues(cells.map { $0.group[0] })
        let others = Self.sortedValues(cells.compactMap { $0.group.count > 2 ? $0.group[1] : nil })
        let keys: [[SQLValue]] =
            facetBy == nil
            ? distributions.map { [$0] } : others.flatMap { o in distributions.map { [$0, o] } }
        let line = SeriesStyle(color: "#444444", marker: .circle, filled: true, dash: nil)
        let bBetter = SeriesStyle(color: "#e6a000", marker: .triangle, filled: true, dash: nil)
        let aBetter = SeriesStyle(color: "#d55e00", marker: .square, filled: true, dash: nil)
        let tie = SeriesStyle(color: "#444444", marker: .circle, filled: false, dash: nil)
        var facets: [FacetChart.Facet] = []
        for key in keys {
            let title = facetTitle(key)
            let points = cells.compactMap { cell -> FacetChart.Point? in
                guard Array(cell.group.dropLast()) == key, let bits = cell.group.last.flatMap(Self.integer) else {
                    return nil
                }
                let defined = cell.diffCILow.isFinite && cell.diffCIHigh.isFinite
                let style = cell.verdict == .b ? bBetter : cell.verdict == .a ? aBetter : tie
                var attributes: [(String, String)] = [("metric", metric.rawValue)]
                for (d, v) in zip(facetDimensions, key) {
                    attributes.append((d.replacingOccurrences(of: "_", with: "-"), Self.text(v)))
                }
                attributes += [
                    ("bits", String(bits)), ("n", String(cell.n)), ("difference", Markup.exact(cell.diffMean)),
                    ("ci95-low", Markup.exact(cell.diffCILow)), ("ci95-high", Markup.exact(cell.diffCIHigh)),
                ]
                var tooltip = "\(label), \(bits) bits, \(title): \(Markup.number(cell.diffMean))"
                if defined { tooltip += " [\(Markup.number(cell.diffCILow)), \(Markup.number(cell.diffCIHigh))]" }
                tooltip += ", n = \(cell.n) seeds"
                return FacetChart.Point(
                    x: bits, mean: cell.diffMean, low: defined ? cell.diffCILow : nil,
                    high: defined ? cell.diffCIHigh : nil, tooltip: tooltip, attributes: attributes, markerStyle: style)
            }
            facets.append(
                FacetChart.Facet(
                    title: title, series: [FacetChart.Series(name: label, style: line, points: points)],
                    note: points.isEmpty ? "no pairs" : nil))
        }
        let legend = [
            FacetChart.LegendEntry(label: "QKQV better (CI < 0)", style: bBetter, line: false),
            FacetChart.LegendEntry(label: "KQV better (CI > 0)", style: aBetter, line: false),
            FacetChart.LegendEntry(label: "tie (CI covers 0)", style: tie, line: false),
            FacetChart.LegendEntry(
                label: "0: no difference",
                style: SeriesStyle(color: "#000000", marker: .circle, filled: true, dash: "4 3"),
                marker: false),
        ]
        let columns = facetBy == nil ? min(5, max(1, facets.count)) : max(1, distributions.count)
        return FacetChart(
            facets: facets, columns: columns, yTitle: "Δ \(metric.rawValue) (\(metric.unit))",
            reference: FacetChart.Reference(value: 0, label: "0"), legend: legend,
            description: "\(label) paired difference of \(metric.rawValue) against bits")
    }

    /// The compare table at n = 4 on kl: KQV vs QKQV and KV vs KQV, per distribution (and `--by`) and pooled,
    /// by the engine of `kvlab compare`.
    mutating func compareSection() -> String {
        let pairs: [(Scheme, Scheme)] = [(.KQV, .QKQV), (.KV, .KQV)]
        var out = "<p class=\"note\">Paired comparisons at n = 4 bits on kl (lower is better), by the engine of "
        out += "<code>kvlab compare</code> (the same numbers as <code>kvlab compare --metric kl --a A --b B --by "
        out += "distribution --where 'bits = 4'</code>): per seed, the mean of each scheme over the paired runs of "
        out += "the row's cells; Δ = B − A over seeds with its paired 95% t-CI, which alone decides: a win needs a "
        out += "CI that excludes 0, otherwise it is a tie. B / A with its delta-method 95% CI over seeds; p of the "
        out += "paired t test.</p>"
        var rows = ""
        for (a, b) in pairs {
            do {
                let pooled = try comparison(.kl, a: a, b: b, by: [], bits: 4)
                let split = try comparison(.kl, a: a, b: b, by: facetDimensions, bits: 4)
                if pooled.isEmpty {
                    out += missingNote(
                        "no paired \(a.rawValue) and \(b.rawValue) runs at 4 bits with kl" + filterSuffix)
                    continue
                }
                let ordered = split.sorted { Self.sortedKeyLess($0.group, $1.group) }
                for cell in ordered + pooled {
                    rows += compareRow(cell, a: a, b: b)
                }
            } catch {
                out += missingNote("the \(a.rawValue) vs \(b.rawValue) comparison could not be computed: \(error)")
            }
        }
        if !rows.isEmpty {
            out += "<table class=\"compare\"><thead><tr><th>A</th><th>B</th><th>cell</th><th class=\"num\">seeds</th>"
            out += "<th class=\"num\">mean A</th><th class=\"num\">mean B</th><th class=\"num\">Δ = B − A</th>"
            out +=
                "<th class=\"num\">95% CI of Δ</th><th class=\"num\">B / A</th><th class=\"num\">95% CI of B / A</th>"
            out += "<th class=\"num\">p</th><th>verdict</th></tr></thead><tbody>\(rows)</tbody></table>"
        }
        return Self.section(id: "compare", title: "Compare at n = 4 (kl)", out)
    }

    /// Whether one facet key sorts before another (distribution order first, then the second facet's value).
    static func sortedKeyLess(_ x: [SQLValue], _ y: [SQLValue]) -> Bool {
        keyLess(x, y, order: x.count > 1 ? [1, 0] : [0])
    }

    /// One row of the compare table; its `data-*` attributes carry the numbers exactly.
    private func compareRow(_ cell: CompareRow, a: Scheme, b: Scheme) -> String {
        let winner = cell.verdict == .tie ? "tie" : "\(cell.verdict.label(a: a, b: b)) better"
        let label = cell.group.isEmpty ? "all (pooled)" : facetTitle(cell.group)
        func interval(_ low: Double, _ high: Double) -> String {
            low.isFinite && high.isFinite ? "[\(Markup.number(low)), \(Markup.number(high))]" : "n < 2"
        }
        var out = "<tr data-a=\"\(Markup.escape(a.rawValue))\" data-b=\"\(Markup.escape(b.rawValue))\" "
        out += "data-cell=\"\(Markup.escape(label))\" data-n=\"\(cell.n)\" "
        out += "data-mean-a=\"\(Markup.exact(cell.meanA))\" data-mean-b=\"\(Markup.exact(cell.meanB))\" "
        out += "data-difference=\"\(Markup.exact(cell.diffMean))\" "
        out += "data-ci95-low=\"\(Markup.exact(cell.diffCILow))\" data-ci95-high=\"\(Markup.exact(cell.diffCIHigh))\" "
        out += "data-ratio=\"\(Markup.exact(cell.ratio))\" data-ratio-low=\"\(Markup.exact(cell.ratioDeltaLow))\" "
        out += "data-ratio-high=\"\(Markup.exact(cell.ratioDeltaHigh))\" data-verdict=\"\(Markup.escape(winner))\">"
        out +=
            "<td>\(Markup.escape(a.rawValue))</td><td>\(Markup.escape(b.rawValue))</td><td>\(Markup.escape(label))</td>"
        out += "<td class=\"num\">\(cell.n)</td><td class=\"num\">\(Markup.number(cell.meanA))</td>"
        out +=
            "<td class=\"num\">\(Markup.number(cell.meanB))</td><td class=\"num\">\(Markup.number(cell.diffMean))</td>"
        out += "<td class=\"num\">\(interval(cell.diffCILow, cell.diffCIHigh))</td>"
        out += "<td class=\"num\">\(Markup.number(cell.ratio))</td>"
        out += "<td class=\"num\">\(interval(cell.ratioDeltaLow, cell.ratioDeltaHigh))</td>"
        out += "<td class=\"num\">\(Markup.number(cell.tP, digits: 2))</td>"
        out += "<td class=\"\(cell.verdict == .tie ? "" : "win")\">\(Markup.escape(winner))</td></tr>"
        return out
    }
}
