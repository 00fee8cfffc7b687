import ExperimentStore
import Foundation
import Quantization
import Statistics

extension ReportBuilder {
    /// A paired comparison of two schemes in one (facet, bits) group: per seed, the mean over the group's
    /// pairs of runs (view `run_pairs`) of each scheme; the interval is the paired t-CI of b − a over seeds.
    struct PairedCell: Sendable {
        /// The facet switch values (empty when pooled).
        var facet: [SQLValue]
        /// The bit budget.
        var bits: Int
        /// Per-seed means of scheme a.
        var a: [Double]
        /// Per-seed means of scheme b.
        var b: [Double]
        /// The paired t interval of b − a.
        var interval: PairedTInterval { PairedTInterval(a, b) }
    }

    /// Pairs of scheme a and scheme b runs (same data, randomness and seed; both passing `--where`),
    /// grouped by facet switches and bits, with per-seed means.
    ///
    /// - Parameters:
    ///   - metric: the metric compared.
    ///   - a: the first scheme.
    ///   - b: the second scheme (differences are b − a).
    ///   - dimensions: facet switches (may be empty: pooled).
    ///   - bits: only this budget, or nil for all.
    func pairedCells(_ metric: Metric, a: String, b: String, dimensions: [String], bits: Int? = nil) throws
        -> [PairedCell]
    {
        let m = metric.rawValue
        let keys = (dimensions + ["bits"]).map { "\"\($0)\"" }.joined(separator: ", ")
        var parameters: [String: SQLValue] = ["a": .text(a), "b": .text(b)]
        if let bits { parameters["bits"] = .integer(Int64(bits)) }
        let result = try query(
            """
            WITH kept AS (SELECT run_id FROM run_means WHERE \(condition))
            SELECT \(keys), seed, avg("a_\(m)"), avg("b_\(m)")
            FROM run_pairs
            WHERE a_scheme = :a AND b_scheme = :b \(bits == nil ? "" : "AND bits = :bits")
                AND a_run_id IN (SELECT run_id FROM kept) AND b_run_id IN (SELECT run_id FROM kept)
                AND "a_\(m)" IS NOT NULL AND "b_\(m)" IS NOT NULL
            GROUP BY \(keys), seed
            ORDER BY \(keys), seed
            """, parameters)
        let k = dimensions.count
        var cells: [PairedCell] = []
        for r in result.rows {
            guard let bits = Self.integer(r[k]), let x = Self.double(r[k + 2]), let y = Self.double(r[k + 3]) else {
                continue
            }
            let facet = Array(r[0..<k])
            if let last = cells.last, last.facet == facet, last.bits == bits {
                cells[cells.count - 1].a.append(x)
                cells[cells.count - 1].b.append(y)
            } else {
                cells.append(PairedCell(facet: facet, bits: bits, a: [x], b: [y]))
            }
        }
        return cells
    }

    /// The k_angle crossover: QKQV − KQV paired differences per bits with CIs, zero line marked.
    mutating func crossoverSection() -> String {
        var out = "<p class=\"note\">Paper claim 3: QKQV better (difference below 0) at n ∈ {2, 3, 5}, KQV better "
        out += "(above 0) at n ∈ {4, 6}. Each point is the mean over seeds of QKQV − KQV (paired runs: same data, "
        out += "rotations, sketches and seed) with its paired 95% t-CI. Filled markers: the CI excludes 0; open: "
        out += "a tie.</p>"
        do {
            let cells = try pairedCells(.kAngle, a: "KQV", b: "QKQV", dimensions: facetDimensions)
            if cells.isEmpty {
                out += missingNote("no paired KQV and QKQV runs with k_angle" + filterSuffix + ": no crossover view")
            } else {
                out += differenceChart(cells, metric: .kAngle, label: "QKQV − KQV").svg()
            }
        } catch {
            out += missingNote("the k_angle crossover could not be computed: \(error)")
        }
        return Self.section(id: "crossover", title: "k_angle crossover (QKQV − KQV)", out)
    }

    /// A chart of paired differences, one facet per facet key, markers by outcome.
    func differenceChart(_ cells: [PairedCell], metric: Metric, label: String) -> FacetChart {
        let distributions = Self.sortedValues(cells.map { $0.facet[0] })
        let others = Self.sortedValues(cells.compactMap { $0.facet.count > 1 ? $0.facet[1] : nil })
        let keys: [[SQLValue]] =
            options.by == nil
            ? distributions.map { [$0] } : others.flatMap { o in distributions.map { [$0, o] } }
        let line = SeriesStyle(color: "#444444", marker: .circle, filled: true, dash: nil)
        let bBetter = SeriesStyle(color: "#e6a000", marker: .triangle, filled: true, dash: nil)
        let aBetter = SeriesStyle(color: "#d55e00", marker: .square, filled: true, dash: nil)
        let tie = SeriesStyle(color: "#444444", marker: .circle, filled: false, dash: nil)
        var facets: [FacetChart.Facet] = []
        for key in keys {
            let title = facetTitle(key)
            let points = cells.filter { $0.facet == key }.map { cell -> FacetChart.Point in
                let t = cell.interval
                let defined = t.ciLow.isFinite && t.ciHigh.isFinite
                let style = !defined || !t.excludesZero ? tie : (t.ciHigh < 0 ? bBetter : aBetter)
                var attributes: [(String, String)] = [("metric", metric.rawValue)]
                for (d, v) in zip(facetDimensions, cell.facet) {
                    attributes.append((d.replacingOccurrences(of: "_", with: "-"), Self.text(v)))
                }
                attributes += [
                    ("bits", String(cell.bits)), ("n", String(t.n)), ("difference", Markup.exact(t.meanDifference)),
                    ("ci95-low", Markup.exact(t.ciLow)), ("ci95-high", Markup.exact(t.ciHigh)),
                ]
                var tooltip = "\(label), \(cell.bits) bits, \(title): \(Markup.number(t.meanDifference))"
                if defined { tooltip += " [\(Markup.number(t.ciLow)), \(Markup.number(t.ciHigh))]" }
                tooltip += ", n = \(t.n) seeds"
                return FacetChart.Point(
                    x: cell.bits, mean: t.meanDifference, low: defined ? t.ciLow : nil, high: defined ? t.ciHigh : nil,
                    tooltip: tooltip, attributes: attributes, markerStyle: style)
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
        let columns = options.by == nil ? min(5, max(1, facets.count)) : max(1, distributions.count)
        return FacetChart(
            facets: facets, columns: columns, yTitle: "Δ \(metric.rawValue) (\(metric.unit))",
            reference: FacetChart.Reference(value: 0, label: "0"), legend: legend,
            description: "\(label) paired difference of \(metric.rawValue) against bits")
    }

    /// The compare table at n = 4 on kl: KQV vs QKQV and KV vs KQV, per distribution (and `--by`) and pooled.
    mutating func compareSection() -> String {
        let pairs = [("KQV", "QKQV"), ("KV", "KQV")]
        var out = "<p class=\"note\">Paired comparisons at n = 4 bits on kl (lower is better), computed here from "
        out += "<code>run_pairs</code> with the paired t-interval of the Statistics module: per seed, the mean of "
        out += "each scheme over the paired runs of the row's cells; Δ = B − A over seeds. A win needs a CI that "
        out += "excludes 0; otherwise it is a tie.</p>"
        var rows = ""
        for (a, b) in pairs {
            do {
                let pooled = try pairedCells(.kl, a: a, b: b, dimensions: [], bits: 4)
                let split = try pairedCells(.kl, a: a, b: b, dimensions: facetDimensions, bits: 4)
                if pooled.isEmpty {
                    out += missingNote("no paired \(a) and \(b) runs at 4 bits with kl" + filterSuffix)
                    continue
                }
                let ordered = split.sorted { Self.sortedKeyLess($0.facet, $1.facet) }
                for cell in ordered + pooled {
                    rows += compareRow(cell, a: a, b: b)
                }
            } catch {
                out += missingNote("the \(a) vs \(b) comparison could not be computed: \(error)")
            }
        }
        if !rows.isEmpty {
            out += "<table class=\"compare\"><thead><tr><th>A</th><th>B</th><th>cell</th><th class=\"num\">seeds</th>"
            out += "<th class=\"num\">mean A</th><th class=\"num\">mean B</th><th class=\"num\">Δ = B − A</th>"
            out += "<th class=\"num\">95% CI of Δ</th><th class=\"num\">B / A</th><th class=\"num\">p</th>"
            out += "<th>verdict</th></tr></thead><tbody>\(rows)</tbody></table>"
        }
        return Self.section(id: "compare", title: "Compare at n = 4 (kl)", out)
    }

    /// Whether one facet key sorts before another (distribution order first, then `--by` value).
    static func sortedKeyLess(_ x: [SQLValue], _ y: [SQLValue]) -> Bool {
        let order = x.count > 1 ? [1, 0] : [0]
        for i in order where i < x.count && i < y.count && x[i] != y[i] {
            return sortedValues([x[i], y[i]]).first == x[i]
        }
        return false
    }

    /// One row of the compare table.
    private func compareRow(_ cell: PairedCell, a: String, b: String) -> String {
        let t = cell.interval
        let meanA = cell.a.reduce(0, +) / Double(cell.a.count)
        let meanB = cell.b.reduce(0, +) / Double(cell.b.count)
        let winner = !t.excludesZero ? "tie" : (t.ciHigh < 0 ? "\(b) better" : "\(a) better")
        let label = cell.facet.isEmpty ? "all (pooled)" : facetTitle(cell.facet)
        let ci = t.ciLow.isFinite ? "[\(Markup.number(t.ciLow)), \(Markup.number(t.ciHigh))]" : "n < 2"
        var out = "<tr data-a=\"\(Markup.escape(a))\" data-b=\"\(Markup.escape(b))\" "
        out += "data-cell=\"\(Markup.escape(label))\" data-n=\"\(t.n)\" "
        out += "data-difference=\"\(Markup.exact(t.meanDifference))\">"
        out += "<td>\(Markup.escape(a))</td><td>\(Markup.escape(b))</td><td>\(Markup.escape(label))</td>"
        out += "<td class=\"num\">\(t.n)</td><td class=\"num\">\(Markup.number(meanA))</td>"
        out += "<td class=\"num\">\(Markup.number(meanB))</td><td class=\"num\">\(Markup.number(t.meanDifference))</td>"
        out += "<td class=\"num\">\(ci)</td><td class=\"num\">\(Markup.number(meanB / meanA))</td>"
        out += "<td class=\"num\">\(Markup.number(t.p, digits: 2))</td>"
        out += "<td class=\"\(winner == "tie" ? "" : "win")\">\(Markup.escape(winner))</td></tr>"
        return out
    }
}
