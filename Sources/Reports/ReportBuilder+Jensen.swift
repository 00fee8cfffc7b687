import ExperimentStore
import Quantization

extension ReportBuilder {
    /// The Jensen diagnostics: jensen_ratio (kl / its second-order prediction) by scheme × bits, pooled
    /// (a table) and per facet (a chart with a reference line at 1).
    mutating func jensenSection() -> String {
        var out = "<p class=\"note\">jensen_ratio = kl / kl_second_order (½·logit variance), per trial. Above 1 the "
        out += "softmax amplifies logit noise superlinearly (the paper's Jensen mechanism); 1 is the small-noise "
        out += "limit. Cells whose whole CI lies above 1 are in bold.</p>"
        do {
            let pooled = try cells([.jensenRatio], dimensions: [])
            guard pooled.contains(where: { $0.mean.isFinite }) else {
                out += missingNote("no done runs with a value for jensen_ratio" + filterSuffix)
                return Self.section(id: "jensen", title: "Jensen diagnostics", out)
            }
            let schemes = Self.sortedSchemes(pooled.map(\.scheme))
            let bits = Array(Set(pooled.map(\.bits))).sorted()
            out += "<h3>jensen_ratio by scheme × bits (all cells pooled per seed)</h3>"
            out += "<table class=\"jensen\"><thead><tr><th>scheme</th>"
            for b in bits { out += "<th class=\"num\">n = \(b)</th>" }
            out += "</tr></thead><tbody>"
            for s in schemes {
                out += "<tr><td>\(Markup.escape(s))</td>"
                for b in bits {
                    guard let cell = pooled.first(where: { $0.scheme == s && $0.bits == b }) else {
                        out += "<td class=\"num\">—</td>"
                        continue
                    }
                    var text = Markup.number(cell.mean)
                    if let low = cell.low, let high = cell.high {
                        text += " [\(Markup.number(low)), \(Markup.number(high))]"
                    }
                    let strong = (cell.low ?? 0) > 1
                    out += "<td class=\"num\(strong ? " win" : "")\" data-scheme=\"\(Markup.escape(s))\" "
                    out += "data-bits=\"\(b)\" data-n=\"\(cell.n)\" data-mean=\"\(Markup.exact(cell.mean))\">"
                    out += "\(Markup.escape(text))</td>"
                }
                out += "</tr>"
            }
            out += "</tbody></table>"
            out += "<h3>jensen_ratio by distribution</h3>" + (try jensenChart()?.svg() ?? "")
        } catch {
            out += missingNote("the Jensen diagnostics could not be computed: \(error)")
        }
        return Self.section(id: "jensen", title: "Jensen diagnostics", out)
    }

    /// jensen_ratio against bits per scheme and facet, with its reference line at 1; nil without data.
    func jensenChart() throws -> FacetChart? {
        let cells = try cells([.jensenRatio], dimensions: facetDimensions)
        guard cells.contains(where: { $0.mean.isFinite }) else { return nil }
        return chart(
            cells, metric: .jensenRatio, reference: FacetChart.Reference(value: 1, label: "1: kl = ½·logit_var"))
    }
}
