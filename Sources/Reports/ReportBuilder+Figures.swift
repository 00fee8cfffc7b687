import Quantization

extension ReportBuilder {
    /// The figures `kvlab report --figure NAME` writes: `metric-M` for every metric (the chart of M against
    /// bits per scheme), `crossover` (k_angle, QKQV − KQV), the verdict maps `verdicts-M-A-B` and `jensen`.
    public static var figureNames: [String] {
        Metric.allCases.map { "metric-\($0.rawValue)" } + ["crossover"]
            + verdictComparisons.map { VerdictMap.name($0.0, $0.1, $0.2) } + ["jensen"]
    }

    /// One figure of the report as a standalone SVG file (fixed size, XML declaration), with the report's
    /// options (`--where`, `--by`); nil when the database has no data for it, with the reason in
    /// ``missing``.
    ///
    /// - Parameter name: one of ``figureNames`` (exact spelling).
    /// - Throws: ``ConditionError`` for a bad `--where`; a store error when the database cannot be read.
    public mutating func figure(_ name: String) throws -> String? {
        try validateFilter()
        readOverview()
        if name == "crossover" {
            guard let chart = try crossoverChart() else {
                missing.append("no paired KQV and QKQV runs with k_angle" + filterSuffix)
                return nil
            }
            return Markup.svgFile(chart.svg(standalone: true))
        }
        if name == "jensen" {
            guard let chart = try jensenChart() else {
                missing.append(noValues(.jensenRatio))
                return nil
            }
            return Markup.svgFile(chart.svg(standalone: true))
        }
        if name.hasPrefix("metric-"), let metric = Metric(rawValue: String(name.dropFirst("metric-".count))) {
            let cells = try cells([metric], dimensions: facetDimensions)
            guard cells.contains(where: { $0.mean.isFinite }) else {
                missing.append(noValues(metric))
                return nil
            }
            return Markup.svgFile(chart(cells, metric: metric).svg(standalone: true))
        }
        guard let (metric, a, b) = Self.verdictComparisons.first(where: { VerdictMap.name($0.0, $0.1, $0.2) == name })
        else {
            missing.append("no figure named \(name)")
            return nil
        }
        let rows = try comparison(metric, a: a, b: b, by: cellDimensions + ["bits"])
        guard !rows.isEmpty else {
            missing.append("no paired \(a.rawValue) and \(b.rawValue) runs with \(metric.rawValue)" + filterSuffix)
            return nil
        }
        return Markup.svgFile(heatMap(VerdictMap(metric: metric, a: a, b: b, rows: rows)).svg(standalone: true))
    }
}
