import Claims
import ExperimentStore
import Quantization

extension ReportBuilder {
    /// One per-cell verdict map: scheme B against scheme A on a metric, in every cell at every budget, by
    /// ``CompareEngine`` (the rows of `kvlab compare --metric M --a A --b B --by CELL,bits`).
    struct VerdictMap: Sendable {
        /// The metric compared.
        var metric: Metric
        /// Scheme A.
        var a: Scheme
        /// Scheme B.
        var b: Scheme
        /// One row per cell and budget; empty when no pair of runs exists.
        var rows: [CompareRow] = []
        /// Why the comparison could not be computed, if it could not.
        var error: String?

        /// The figure's name for `kvlab report --figure`.
        var name: String { Self.name(metric, a, b) }

        /// `verdicts-METRIC-A-B`.
        static func name(_ metric: Metric, _ a: Scheme, _ b: Scheme) -> String {
            "verdicts-\(metric.rawValue)-\(a.rawValue)-\(b.rawValue)"
        }
    }

    /// The comparisons drawn as verdict maps: the paper's claims 1–3 compare KQV with QKQV and KV with KQV on
    /// kl and k_angle.
    static let verdictComparisons: [(Metric, Scheme, Scheme)] = [
        (.kl, .KQV, .QKQV), (.kl, .KV, .KQV), (.kAngle, .KQV, .QKQV), (.kAngle, .KV, .KQV),
    ]

    /// The switches that make a cell of the verdict maps: those of `kvlab compare --by` that take more than
    /// one value in the report's synthetic runs, bits excepted (the maps' columns).
    var cellDimensions: [String] {
        CompareRequest.dimensions.filter { $0 != "bits" && varyingSwitches.contains($0) }
    }

    /// The switch that splits the verdict maps into panels: mixing, when it varies (claim 1 is checked on
    /// axis mixing; on dense mixing the theory expects KV and KQV to tie).
    var panelDimension: String? { cellDimensions.contains("mixing") ? "mixing" : nil }

    /// Computes every verdict map (``verdictComparisons``) with the engine of `kvlab compare`.
    func verdictMaps() -> [VerdictMap] {
        Self.verdictComparisons.map { metric, a, b in
            var map = VerdictMap(metric: metric, a: a, b: b)
            do {
                map.rows = try comparison(metric, a: a, b: b, by: cellDimensions + ["bits"])
            } catch {
                map.error = "\(error)"
            }
            return map
        }
    }

    /// The heat map of a verdict map: one panel per value of ``panelDimension`` (or one panel), one row per
    /// combination of the other cell switches (the same rows in every panel), one column per budget.
    func heatMap(_ map: VerdictMap) -> VerdictHeatMap {
        let dims = cellDimensions
        let panelIndex = panelDimension.flatMap { dims.firstIndex(of: $0) }
        let rowIndices = dims.indices.filter { $0 != panelIndex }
        func rowKey(_ row: CompareRow) -> [SQLValue] { rowIndices.map { row.group[$0] } }
        var rowKeys: [[SQLValue]] = []
        for row in map.rows where !rowKeys.contains(rowKey(row)) { rowKeys.append(rowKey(row)) }
        rowKeys.sort { Self.keyLess($0, $1) }
        let panelValues: [SQLValue?] = panelIndex.map { i in Self.sortedValues(map.rows.map { $0.group[i] }) } ?? [nil]
        let rowDims = rowIndices.map { dims[$0] }
        let labels = rowKeys.map { rowDims.isEmpty ? "all cells" : Self.label(rowDims, $0) }
        let panels = panelValues.map { value -> VerdictHeatMap.Panel in
            let squares = map.rows.compactMap { row -> VerdictHeatMap.Square? in
                guard let bits = row.group.last.flatMap(Self.integer), let r = rowKeys.firstIndex(of: rowKey(row)),
                    panelIndex.map({ row.group[$0] == value }) ?? true
                else { return nil }
                let attributes = zip(dims, row.group).map { d, v in
                    (d.replacingOccurrences(of: "_", with: "-"), Self.text(v))
                }
                return VerdictHeatMap.Square(row: r, bits: bits, comparison: row, attributes: attributes)
            }
            let title = panelDimension.flatMap { d in value.map { "\(d) = \(Self.text($0))" } } ?? ""
            return VerdictHeatMap.Panel(title: title, rows: labels, squares: squares)
        }
        let bits = Array(Set(map.rows.compactMap { $0.group.last.flatMap(Self.integer) })).sorted()
        return VerdictHeatMap(
            a: map.a.rawValue, b: map.b.rawValue, metric: map.metric.rawValue, bits: bits, panels: panels,
            name: map.name)
    }

    /// The section of the verdict maps, with the count of cells each scheme wins.
    mutating func verdictSection(_ maps: [VerdictMap]) -> String {
        var out = "<p class=\"note\">Every cell (one combination of "
        out += cellDimensions.isEmpty ? "the switches, all fixed here" : cellDimensions.joined(separator: " × ")
        out += ") at every budget, by the engine of <code>kvlab compare</code>: per seed the two schemes' run "
        out += "means, and the paired 95% t-CI over seeds of B − A decides. A coloured square names the better "
        out += "scheme; a hatched square is a tie (the CI covers 0). The number is the ratio B / A of the means. "
        out += "The same verdicts as <code>kvlab compare --metric M --a A --b B --by "
        out += (cellDimensions + ["bits"]).joined(separator: ",") + "</code> and as the claims' per-cell tests.</p>"
        for map in maps {
            let title = "\(map.metric.rawValue): \(map.b.rawValue) against \(map.a.rawValue)"
            out += "<h3 id=\"\(map.name)\">\(Markup.escape(title))</h3>"
            if let error = map.error {
                out += missingNote(
                    "the \(map.a.rawValue) vs \(map.b.rawValue) verdicts could not be computed: \(error)")
            } else if map.rows.isEmpty {
                out += missingNote(
                    "no paired \(map.a.rawValue) and \(map.b.rawValue) runs with \(map.metric.rawValue)"
                        + filterSuffix + ": no verdict map")
            } else {
                out += "<p>\(Markup.escape(Self.verdictCounts(map)))</p>" + heatMap(map).svg()
            }
        }
        return Self.section(id: "verdicts", title: "Who wins where: per-cell verdicts", out)
    }

    /// `KQV better in 140, tie in 10, QKQV better in 0 of 150 cell × budget combinations`.
    static func verdictCounts(_ map: VerdictMap) -> String {
        let counts = CompareVerdict.allCases.map { v in map.rows.count { $0.verdict == v } }
        return "\(map.a.rawValue) better in \(counts[0]), \(map.b.rawValue) better in \(counts[1]), tie in "
            + "\(counts[2]) of \(map.rows.count) cell × budget combinations."
    }
}
