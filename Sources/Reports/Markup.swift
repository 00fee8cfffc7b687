import Claims
import Foundation

/// Text helpers of the HTML report: XML escaping and number formatting.
///
/// The report is XHTML-compatible (it parses as XML), so every text taken from the database goes through
/// ``escape(_:)``, which also replaces the control characters XML 1.0 forbids.
enum Markup {
    /// Escapes text for an XML/HTML text node or a double-quoted attribute value (``XMLText/escaped(_:)``).
    ///
    /// - Parameter text: any text.
    /// - Returns: the escaped text.
    static func escape(_ text: String) -> String { XMLText.escaped(text) }

    /// A number for display with 4 significant digits (`0.01234`, `1.5e-05`); "NaN", "∞" and "−∞" for
    /// non-finite values.
    static func number(_ value: Double, digits: Int = 4) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "∞" : "−∞" }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e-3 && magnitude < 1e5 {
            let decimals = max(0, digits - 1 - Int(floor(log10(magnitude))))
            var text = String(format: "%.\(decimals)f", value)
            if text.contains(".") {
                while text.hasSuffix("0") { text.removeLast() }
                if text.hasSuffix(".") { text.removeLast() }
            }
            return text
        }
        return String(format: "%.\(digits - 1)e", value).replacingOccurrences(of: "e-0", with: "e-")
            .replacingOccurrences(of: "e+0", with: "e+").replacingOccurrences(of: "e+", with: "e")
    }

    /// A double in Swift's shortest round-trip form (as `kvlab agg --format json` prints it), for `data-*`
    /// attributes; "NaN", "Infinity", "-Infinity" for non-finite values.
    static func exact(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
        return "\(value)"
    }

    /// An SVG coordinate with at most two decimals.
    static func coordinate(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(format: "%.2f", rounded)
    }

    /// The opening `<svg>` tag of a chart of the given natural size (px).
    ///
    /// On the page (`standalone` false) the chart takes the page's width up to its natural width
    /// (`width="100%"` with `max-width`), and its height follows from the `viewBox`, so it shrinks on a narrow
    /// window and its labels keep their nominal size on a wide one. A standalone file (`kvlab report
    /// --figure`) has a fixed width and height, as image tools expect.
    static func svgStart(width: Double, height: Double, standalone: Bool) -> String {
        let (w, h) = (coordinate(width), coordinate(height))
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" "
        out += standalone ? "width=\"\(w)\" height=\"\(h)\" " : "width=\"100%\" style=\"max-width: \(w)px\" "
        out += "viewBox=\"0 0 \(w) \(h)\" role=\"img\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">"
        return out
    }

    /// A standalone SVG file: the XML declaration, then the element.
    static func svgFile(_ svg: String) -> String { "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg + "\n" }

    /// A Unix time as `YYYY-MM-DD HH:MM:SS UTC`.
    static func timestamp(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: seconds)) + " UTC"
    }
}
