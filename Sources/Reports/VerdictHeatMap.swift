import Claims

/// A per-cell verdict heat map: one row per cell (a combination of the switches that vary), one column per
/// bit budget, each square coloured by the scheme the paired 95% t-CI over seeds names better, hatched grey
/// where the CI covers 0 (a tie). Panels side by side split the rows by one switch (mixing). Each square
/// shows the ratio B / A and carries the comparison's numbers in `data-*` attributes.
struct VerdictHeatMap: Sendable {
    /// One square: a cell at a budget with its comparison.
    struct Square: Sendable {
        /// The row (index into the panel's ``Panel/rows``).
        var row: Int
        /// The bit budget.
        var bits: Int
        /// The comparison of the cell at that budget (by ``CompareEngine``).
        var comparison: CompareRow
        /// `data-*` attributes naming the cell (name without the `data-` prefix, value).
        var attributes: [(String, String)]
    }

    /// Rows of squares under one title.
    struct Panel: Sendable {
        /// The title (e.g. `mixing = axis`), or empty.
        var title: String
        /// The row labels, top to bottom.
        var rows: [String]
        /// The squares.
        var squares: [Square]
    }

    /// Scheme A (differences are B − A).
    var a: String
    /// Scheme B.
    var b: String
    /// The metric compared.
    var metric: String
    /// The budgets (columns), ascending.
    var bits: [Int]
    /// The panels, left to right.
    var panels: [Panel]
    /// A unique name (the figure's), for the hatch pattern's id.
    var name: String

    /// Size of a square (px).
    static let squareWidth = 50.0
    /// Height of a square (px).
    static let squareHeight = 20.0
    /// Gap between panels (px).
    static let panelGap = 28.0
    /// Band above the squares: legend, panel titles and budget labels (px).
    static let top = 84.0
    /// Band below the squares (px).
    static let bottom = 12.0

    /// The width of the row labels (px), from an estimate of the longest label.
    var labelWidth: Double {
        let longest = panels.flatMap(\.rows).map(\.count).max() ?? 0
        return max(60, Double(longest) * 6.6 + 12)
    }

    /// The width of one panel (labels and squares).
    var panelWidth: Double { labelWidth + Double(bits.count) * Self.squareWidth }

    /// The SVG's width (px): the panels, or the legend when it is wider.
    var width: Double {
        let n = Double(max(1, panels.count))
        let legend = legendEntries(pattern: "").map { Self.legendEntryWidth($0.label) }.reduce(4, +)
        return max(n * panelWidth + (n - 1) * Self.panelGap + 8, legend)
    }

    /// The horizontal space of a legend entry: swatch, label (estimated width) and gap.
    static func legendEntryWidth(_ label: String) -> Double { 28 + Double(label.count) * 6.3 + 22 }

    /// The legend's swatches (fill) and labels.
    func legendEntries(pattern: String) -> [(fill: String, label: String)] {
        [
            (fill(.a), "\(a) better (the CI of \(b) − \(a) excludes 0)"), (fill(.b), "\(b) better"),
            ("url(#\(pattern))", "tie: the 95% CI covers 0"),
        ]
    }

    /// The SVG's height (px).
    var height: Double {
        Self.top + Double(panels.map(\.rows.count).max() ?? 0) * Self.squareHeight + Self.bottom
    }

    /// The fill of a verdict: the winner's series colour, or white for a tie (drawn hatched).
    func fill(_ verdict: CompareVerdict) -> String {
        switch verdict {
        case .a: return SeriesStyle.scheme(a, index: 0).color
        case .b: return SeriesStyle.scheme(b, index: 1).color
        case .tie: return "#ffffff"
        }
    }

    /// Dark text on light fills (amber, white), white text on dark ones.
    static func textColor(_ fill: String) -> String {
        ["#e6a000", "#ffffff", "#56b4e9", "#cc79a7"].contains(fill) ? "#000000" : "#ffffff"
    }

    /// The heat map as an `<svg>` element (see ``FacetChart/svg(standalone:)`` for `standalone`).
    func svg(standalone: Bool = false) -> String {
        let c = Markup.coordinate
        let pattern = "hatch-" + name.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        var out = Markup.svgStart(width: width, height: height, standalone: standalone)
        out += "<title>\(Markup.escape("\(metric): \(b) against \(a) per cell and budget"))</title>"
        out += "<defs><pattern id=\"\(pattern)\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
        out += "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f4f4f4\"/>"
        out += "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#b0b0b0\" stroke-width=\"2\"/></pattern></defs>"
        out += legendSVG(pattern: pattern)
        for (p, panel) in panels.enumerated() {
            let x0 = Double(p) * (panelWidth + Self.panelGap)
            let squaresX = x0 + labelWidth
            if !panel.title.isEmpty {
                out += "<text x=\"\(c(squaresX + Double(bits.count) * Self.squareWidth / 2))\" y=\"58\" "
                out +=
                    "text-anchor=\"middle\" font-size=\"12\" font-weight=\"bold\">\(Markup.escape(panel.title))</text>"
            }
            for (i, bits) in bits.enumerated() {
                let x = squaresX + (Double(i) + 0.5) * Self.squareWidth
                out += "<text x=\"\(c(x))\" y=\"\(c(Self.top - 6))\" text-anchor=\"middle\">n = \(bits)</text>"
            }
            for (r, label) in panel.rows.enumerated() {
                let y = Self.top + Double(r) * Self.squareHeight
                out += "<text x=\"\(c(squaresX - 6))\" y=\"\(c(y + Self.squareHeight / 2 + 4))\" text-anchor=\"end\">"
                out += "\(Markup.escape(label))</text>"
            }
            for square in panel.squares {
                guard let column = bits.firstIndex(of: square.bits) else { continue }
                out += squareSVG(
                    square, x: squaresX + Double(column) * Self.squareWidth,
                    y: Self.top + Double(square.row) * Self.squareHeight, pattern: pattern,
                    label: panel.rows[square.row])
            }
        }
        return out + "</svg>"
    }

    /// One square with its tooltip and numbers.
    private func squareSVG(_ square: Square, x: Double, y: Double, pattern: String, label: String) -> String {
        let c = Markup.coordinate
        let row = square.comparison
        let verdict = row.verdict
        let winner = verdict.label(a: a, b: b)
        var attributes = [("metric", metric), ("a", a), ("b", b)] + square.attributes + [("bits", String(square.bits))]
        attributes += [
            ("verdict", winner), ("n", String(row.n)), ("difference", Markup.exact(row.diffMean)),
            ("ci95-low", Markup.exact(row.diffCILow)), ("ci95-high", Markup.exact(row.diffCIHigh)),
            ("ratio", Markup.exact(row.ratio)),
        ]
        var tooltip = "\(label), n = \(square.bits): \(b) − \(a) = \(Markup.number(row.diffMean))"
        if row.diffCILow.isFinite && row.diffCIHigh.isFinite {
            tooltip += " [\(Markup.number(row.diffCILow)), \(Markup.number(row.diffCIHigh))]"
        }
        tooltip += ", \(b) / \(a) = \(Markup.number(row.ratio)), \(row.n) seeds: "
        tooltip += verdict == .tie ? "tie (the CI covers 0)" : "\(winner) better"
        let fill = verdict == .tie ? "url(#\(pattern))" : self.fill(verdict)
        var out = "<g class=\"verdict-cell\""
        out += attributes.map { " data-\($0.0)=\"\(Markup.escape($0.1))\"" }.joined()
        out += "><title>\(Markup.escape(tooltip))</title>"
        out += "<rect x=\"\(c(x + 1))\" y=\"\(c(y + 1))\" width=\"\(c(Self.squareWidth - 2))\" "
        out += "height=\"\(c(Self.squareHeight - 2))\" fill=\"\(fill)\""
        out += verdict == .tie ? " stroke=\"#888888\" stroke-dasharray=\"3 2\"/>" : "/>"
        let text = row.ratio.isFinite ? Markup.number(row.ratio, digits: 3) : "—"
        let color = verdict == .tie ? "#000000" : Self.textColor(self.fill(verdict))
        out += "<text x=\"\(c(x + Self.squareWidth / 2))\" y=\"\(c(y + Self.squareHeight / 2 + 4))\" "
        out += "text-anchor=\"middle\" font-size=\"10\" fill=\"\(color)\">\(Markup.escape(text))</text>"
        return out + "</g>"
    }

    /// The legend: a swatch per verdict.
    private func legendSVG(pattern: String) -> String {
        let c = Markup.coordinate
        var out = "<g class=\"legend\">"
        var x = 4.0
        for (fill, label) in legendEntries(pattern: pattern) {
            out += "<rect x=\"\(c(x))\" y=\"6\" width=\"22\" height=\"14\" fill=\"\(fill)\" stroke=\"#888888\"/>"
            out += "<text x=\"\(c(x + 28))\" y=\"17\">\(Markup.escape(label))</text>"
            x += Self.legendEntryWidth(label)
        }
        out +=
            "<text x=\"4\" y=\"38\" fill=\"#444444\">\(Markup.escape("numbers: \(b) / \(a) of mean \(metric)"))</text>"
        return out + "</g>"
    }
}
