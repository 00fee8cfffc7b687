/// How one series of a chart is drawn: colour, marker shape and fill, and dash pattern.
///
/// The schemes' colours are far apart in hue and in luminance (dark navy, vermillion, amber), and each
/// scheme also has its own marker and dash pattern, so the charts stay readable in grey-scale print and for
/// colour-blind readers.
struct SeriesStyle: Sendable, Equatable {
    /// A marker shape.
    enum Marker: String, Sendable, CaseIterable {
        /// A disc.
        case circle
        /// A square.
        case square
        /// An upward triangle.
        case triangle
        /// A square on its corner.
        case diamond
        /// An ×.
        case cross
    }

    /// The stroke and fill colour (CSS hex).
    var color: String
    /// The marker drawn at every point.
    var marker: Marker
    /// Whether the marker is filled (else white with a coloured outline).
    var filled: Bool
    /// The SVG `stroke-dasharray` of the line, or nil for a solid line.
    var dash: String?

    /// The style of a scheme: KV navy solid circles, KQV vermillion dashed open squares, QKQV amber dotted
    /// triangles; other names cycle through further styles by their position.
    ///
    /// - Parameters:
    ///   - scheme: the scheme name.
    ///   - index: its position among the schemes shown (used for unknown schemes).
    static func scheme(_ scheme: String, index: Int) -> SeriesStyle {
        switch scheme {
        case "KV": return SeriesStyle(color: "#1b2a6b", marker: .circle, filled: true, dash: nil)
        case "KQV": return SeriesStyle(color: "#d55e00", marker: .square, filled: false, dash: "7 4")
        case "QKQV": return SeriesStyle(color: "#e6a000", marker: .triangle, filled: true, dash: "2 3")
        default:
            let extra = [
                SeriesStyle(color: "#009e73", marker: .diamond, filled: false, dash: "10 3 2 3"),
                SeriesStyle(color: "#cc79a7", marker: .cross, filled: true, dash: "1 5"),
                SeriesStyle(color: "#56b4e9", marker: .circle, filled: false, dash: "12 4"),
            ]
            return extra[index % extra.count]
        }
    }

    /// The SVG of a marker centred at (x, y).
    ///
    /// - Parameters:
    ///   - x: centre x (px).
    ///   - y: centre y (px).
    ///   - size: half-width (px).
    func markerSVG(x: Double, y: Double, size: Double = 4.5) -> String {
        let fill = filled ? color : "#ffffff"
        let paint = "fill=\"\(fill)\" stroke=\"\(color)\" stroke-width=\"1.6\""
        let c = Markup.coordinate
        switch marker {
        case .circle:
            return "<circle cx=\"\(c(x))\" cy=\"\(c(y))\" r=\"\(c(size))\" \(paint)/>"
        case .square:
            let s = size * 0.9
            return "<rect x=\"\(c(x - s))\" y=\"\(c(y - s))\" width=\"\(c(2 * s))\" height=\"\(c(2 * s))\" \(paint)/>"
        case .triangle:
            let s = size * 1.2
            let points = "\(c(x)),\(c(y - s)) \(c(x + s)),\(c(y + s * 0.8)) \(c(x - s)),\(c(y + s * 0.8))"
            return "<polygon points=\"\(points)\" \(paint)/>"
        case .diamond:
            let s = size * 1.2
            let points = "\(c(x)),\(c(y - s)) \(c(x + s)),\(c(y)) \(c(x)),\(c(y + s)) \(c(x - s)),\(c(y))"
            return "<polygon points=\"\(points)\" \(paint)/>"
        case .cross:
            let s = size
            return "<path d=\"M\(c(x - s)),\(c(y - s))L\(c(x + s)),\(c(y + s))M\(c(x - s)),\(c(y + s))"
                + "L\(c(x + s)),\(c(y - s))\" stroke=\"\(color)\" stroke-width=\"2.2\" fill=\"none\"/>"
        }
    }
}
