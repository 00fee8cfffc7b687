import Foundation

/// A grid of small-multiple line charts (one facet per distribution, or per distribution × another
/// switch) sharing one y scale, rendered as one inline `<svg>` element.
///
/// x is the bit budget (integer ticks); each series is a line with markers and 95% CI error bars; series
/// are dodged horizontally by a few pixels so their bars do not hide each other. Y tick labels appear only
/// on the first column; every facet has its own x tick labels and title.
struct FacetChart: Sendable {
    /// One point: a mean with its CI at one bit budget.
    struct Point: Sendable {
        /// The bit budget.
        var x: Int
        /// The mean (NaN when undefined: drawn as a gap).
        var mean: Double
        /// Lower end of the 95% CI (nil when undefined, e.g. one seed).
        var low: Double?
        /// Upper end of the 95% CI.
        var high: Double?
        /// The tooltip text.
        var tooltip: String
        /// `data-*` attributes carrying the exact numbers (name without the `data-` prefix, value).
        var attributes: [(String, String)]
        /// A style overriding the series style for this marker (e.g. by the sign of a difference).
        var markerStyle: SeriesStyle?
    }

    /// A line of points (one scheme).
    struct Series: Sendable {
        /// The legend name.
        var name: String
        /// How it is drawn.
        var style: SeriesStyle
        /// The points, in any order (drawn sorted by x).
        var points: [Point]
    }

    /// One small chart.
    struct Facet: Sendable {
        /// Its title (e.g. "t3" or "t3 · rank 8").
        var title: String
        /// Its series.
        var series: [Series]
        /// A message drawn inside an empty facet.
        var note: String?
    }

    /// One legend entry.
    struct LegendEntry: Sendable {
        /// The text.
        var label: String
        /// The style of its sample.
        var style: SeriesStyle
        /// Whether to draw a line sample (else only the marker).
        var line: Bool = true
        /// Whether to draw the marker.
        var marker: Bool = true
    }

    /// A horizontal reference line.
    struct Reference: Sendable {
        /// Where (data units).
        var value: Double
        /// Its legend label.
        var label: String
    }

    /// The facets, row-major.
    var facets: [Facet]
    /// Facets per row.
    var columns: Int
    /// The y-axis title (metric and unit).
    var yTitle: String
    /// The x-axis title.
    var xTitle = "bits per coordinate (budget n)"
    /// An optional reference line (0 for differences, 1 for ratios).
    var reference: Reference?
    /// The legend entries.
    var legend: [LegendEntry]
    /// An accessible description of the chart.
    var description: String

    /// The width the charts are laid out for (px): about the page's text width, so that a chart drawn at
    /// 100% of the page keeps its labels at their nominal size.
    static let pageWidth = 1180.0
    /// The narrowest and widest plot area of one facet (px).
    static let plotWidthRange = 150.0...560.0

    /// Width of one facet's plot area (px): the facets of a row share the page width.
    var plotWidth: Double {
        let n = Double(max(1, min(columns, facets.count)))
        let share = (Self.pageWidth - Self.left - Self.right - (n - 1) * Self.gapX) / n
        return min(Self.plotWidthRange.upperBound, max(Self.plotWidthRange.lowerBound, share))
    }

    /// Height of one facet's plot area (px): three quarters of its width, 150–240.
    var plotHeight: Double { min(240, max(150, (plotWidth * 0.75).rounded())) }
    /// Horizontal gap between facets (px).
    static let gapX = 16.0
    /// Space left of the first column for the y title and tick labels (px).
    static let left = 78.0
    /// Space right of the last column (px).
    static let right = 12.0
    /// Legend band height (px).
    static let legendHeight = 30.0
    /// Facet title band height (px).
    static let titleHeight = 20.0
    /// X tick label band height (px).
    static let tickHeight = 18.0
    /// Gap between rows (px).
    static let rowGap = 12.0
    /// Band under the last row for the x title (px).
    static let bottom = 26.0

    /// The y scale shared by every facet.
    var scale: AxisScale {
        var means: [Double] = []
        var bounds: [Double] = []
        for facet in facets {
            for series in facet.series {
                for p in series.points {
                    means.append(p.mean)
                    if let low = p.low { bounds.append(low) }
                    if let high = p.high { bounds.append(high) }
                }
            }
        }
        return AxisScale.fitting(means, bounds: bounds, including: reference.map { [$0.value] } ?? [])
    }

    /// The bit budgets on the x axis (the union over facets), ascending.
    var xValues: [Int] {
        Array(Set(facets.flatMap { $0.series.flatMap { $0.points.map(\.x) } })).sorted()
    }

    /// The number of rows.
    var rows: Int { max(1, (facets.count + columns - 1) / max(1, columns)) }

    /// The width of the facet columns from the left edge of the first plot to the right of the last (px).
    var plotsWidth: Double {
        let n = Double(max(1, min(columns, facets.count)))
        return n * plotWidth + (n - 1) * Self.gapX
    }

    /// The SVG's width (px): the facets, or the legend when it is wider.
    var width: Double {
        max(Self.left + plotsWidth + Self.right, Self.left + legend.map(Self.legendEntryWidth).reduce(0, +))
    }

    /// Where an entry's label starts, from the entry's left edge (px): after the line sample, or after the
    /// marker alone.
    static func legendLabelOffset(_ entry: LegendEntry) -> Double { entry.line ? 36 : 16 }

    /// The horizontal space of one legend entry (sample, label, gap), from an estimate of the label's width.
    static func legendEntryWidth(_ entry: LegendEntry) -> Double {
        legendLabelOffset(entry) + Double(entry.label.count) * 6.3 + 22
    }

    /// The SVG's height (px).
    var height: Double {
        let rowHeight = Self.titleHeight + plotHeight + Self.tickHeight
        return Self.legendHeight + Double(rows) * rowHeight + Double(rows - 1) * Self.rowGap + Self.bottom
    }

    /// The chart as an `<svg>` element (XML-compatible, no script, no external reference).
    ///
    /// - Parameter standalone: a file of its own (fixed size in px) rather than a chart on the page (as wide
    ///   as the page allows, up to its natural width; see ``Markup/svgStart(width:height:standalone:)``).
    func svg(standalone: Bool = false) -> String {
        let scale = scale
        let xs = xValues
        let c = Markup.coordinate
        var out = Markup.svgStart(width: width, height: height, standalone: standalone)
        out += "<title>\(Markup.escape(description))</title>"
        out += legendSVG()
        let rowHeight = Self.titleHeight + plotHeight + Self.tickHeight + Self.rowGap
        for (i, facet) in facets.enumerated() {
            let row = i / max(1, columns)
            let column = i % max(1, columns)
            let x0 = Self.left + Double(column) * (plotWidth + Self.gapX)
            let y0 = Self.legendHeight + Double(row) * rowHeight + Self.titleHeight
            out += facetSVG(facet, x0: x0, y0: y0, scale: scale, xs: xs, showYLabels: column == 0)
        }
        let plotsTop = Self.legendHeight + Self.titleHeight
        let plotsBottom = height - Self.bottom - Self.tickHeight
        let yMid = (plotsTop + plotsBottom) / 2
        let yTitle = yTitle + (scale.isLog ? ", log scale" : "")
        out += "<text x=\"14\" y=\"\(c(yMid))\" transform=\"rotate(-90 14 \(c(yMid)))\" text-anchor=\"middle\" "
        out += "font-size=\"12\">\(Markup.escape(yTitle))</text>"
        let xMid = Self.left + plotsWidth / 2
        out += "<text x=\"\(c(xMid))\" y=\"\(c(height - 7))\" text-anchor=\"middle\" font-size=\"12\">"
        out += "\(Markup.escape(xTitle))</text>"
        out += "</svg>"
        return out
    }

    /// The legend band: a line sample, a marker and a label per entry.
    private func legendSVG() -> String {
        let c = Markup.coordinate
        var out = "<g class=\"legend\">"
        var x = Self.left
        let y = 15.0
        for entry in legend {
            let dash = entry.style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            if entry.line {
                out += "<line x1=\"\(c(x))\" y1=\"\(c(y))\" x2=\"\(c(x + 30))\" y2=\"\(c(y))\" "
                out += "stroke=\"\(entry.style.color)\" stroke-width=\"2\"\(dash)/>"
            }
            if entry.marker { out += entry.style.markerSVG(x: x + (entry.line ? 15 : 6), y: y) }
            let labelX = x + Self.legendLabelOffset(entry)
            out += "<text x=\"\(c(labelX))\" y=\"\(c(y + 4))\">\(Markup.escape(entry.label))</text>"
            x += Self.legendEntryWidth(entry)
        }
        return out + "</g>"
    }

    /// One facet: frame, grid, ticks, title, reference line, series, note.
    private func facetSVG(
        _ facet: Facet, x0: Double, y0: Double, scale: AxisScale, xs: [Int], showYLabels: Bool
    ) -> String {
        let c = Markup.coordinate
        let w = plotWidth
        let h = plotHeight
        func py(_ v: Double) -> Double {
            let f = scale.fraction(v)
            let clamped = f.isNaN ? 0 : Swift.min(1, Swift.max(0, f))
            return y0 + h - clamped * h
        }
        let span = Double(Swift.max(1, (xs.last ?? 0) - (xs.first ?? 0)))
        func px(_ x: Int, dodge: Double = 0) -> Double {
            guard let first = xs.first else { return x0 + w / 2 }
            if xs.count == 1 { return x0 + w / 2 + dodge }
            let inner = w - 36
            return x0 + 18 + Double(x - first) / span * inner + dodge
        }
        var out = "<g class=\"facet\">"
        out += "<rect x=\"\(c(x0))\" y=\"\(c(y0))\" width=\"\(c(w))\" height=\"\(c(h))\" fill=\"#ffffff\" "
        out += "stroke=\"#888888\" stroke-width=\"1\"/>"
        let title = facet.title.count > 30 ? String(facet.title.prefix(29)) + "…" : facet.title
        out += "<text x=\"\(c(x0 + w / 2))\" y=\"\(c(y0 - 6))\" text-anchor=\"middle\" font-size=\"12\" "
        out += "font-weight=\"bold\">\(Markup.escape(title))</text>"
        for tick in scale.minorTicks {
            let y = py(tick)
            out += "<line x1=\"\(c(x0))\" y1=\"\(c(y))\" x2=\"\(c(x0 + w))\" y2=\"\(c(y))\" stroke=\"#f3f3f3\"/>"
        }
        for tick in scale.ticks {
            let y = py(tick)
            out += "<line x1=\"\(c(x0))\" y1=\"\(c(y))\" x2=\"\(c(x0 + w))\" y2=\"\(c(y))\" stroke=\"#e2e2e2\"/>"
            if showYLabels {
                out += "<text x=\"\(c(x0 - 5))\" y=\"\(c(y + 4))\" text-anchor=\"end\">"
                out += "\(Markup.escape(scale.label(tick)))</text>"
            }
        }
        for x in xs {
            let xp = px(x)
            out +=
                "<line x1=\"\(c(xp))\" y1=\"\(c(y0 + h))\" x2=\"\(c(xp))\" y2=\"\(c(y0 + h + 4))\" stroke=\"#555555\"/>"
            out += "<text x=\"\(c(xp))\" y=\"\(c(y0 + h + 15))\" text-anchor=\"middle\">\(x)</text>"
        }
        if let reference {
            let y = py(reference.value)
            out += "<line x1=\"\(c(x0))\" y1=\"\(c(y))\" x2=\"\(c(x0 + w))\" y2=\"\(c(y))\" stroke=\"#000000\" "
            out += "stroke-width=\"1.3\" stroke-dasharray=\"4 3\" class=\"reference\"/>"
        }
        let count = facet.series.count
        for (k, series) in facet.series.enumerated() {
            let dodge = count > 1 ? (Double(k) - Double(count - 1) / 2) * 5 : 0
            let points = series.points.sorted { $0.x < $1.x }
            let style = series.style
            let dash = style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            var segment: [String] = []
            var lines: [[String]] = []
            for p in points {
                if p.mean.isFinite, !(scale.isLog && p.mean <= 0) {
                    segment.append("\(c(px(p.x, dodge: dodge))),\(c(py(p.mean)))")
                } else if !segment.isEmpty {
                    lines.append(segment)
                    segment = []
                }
            }
            if !segment.isEmpty { lines.append(segment) }
            for line in lines where line.count > 1 {
                out += "<polyline points=\"\(line.joined(separator: " "))\" fill=\"none\" stroke=\"\(style.color)\" "
                out += "stroke-width=\"1.8\"\(dash)/>"
            }
            for p in points {
                let x = px(p.x, dodge: dodge)
                let attributes = p.attributes.map { " data-\($0.0)=\"\(Markup.escape($0.1))\"" }.joined()
                out += "<g class=\"point\"\(attributes)><title>\(Markup.escape(p.tooltip))</title>"
                if let low = p.low, let high = p.high, low.isFinite, high.isFinite {
                    let yl = py(low)
                    let yh = py(high)
                    // A cap marks an end on the axis; an end clamped at the plot edge has none.
                    let lowCap = scale.fraction(low) >= 0 ? "M\(c(x - 3)),\(c(yl))H\(c(x + 3))" : ""
                    let highCap = scale.fraction(high) <= 1 ? "M\(c(x - 3)),\(c(yh))H\(c(x + 3))" : ""
                    out += "<path d=\"M\(c(x)),\(c(yl))V\(c(yh))\(lowCap)\(highCap)\" stroke=\"\(style.color)\" "
                    out += "stroke-width=\"1.3\" fill=\"none\"/>"
                }
                if p.mean.isFinite, !(scale.isLog && p.mean <= 0) {
                    out += (p.markerStyle ?? style).markerSVG(x: x, y: py(p.mean))
                }
                out += "</g>"
            }
        }
        if let note = facet.note {
            out += "<text x=\"\(c(x0 + w / 2))\" y=\"\(c(y0 + h / 2))\" text-anchor=\"middle\" fill=\"#666666\">"
            out += "\(Markup.escape(note))</text>"
        }
        return out + "</g>"
    }
}
