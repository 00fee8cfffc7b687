import Foundation

/// One SQLite value of a query result or parameter, independent of GRDB.
public enum SQLValue: Sendable, Equatable {
    /// NULL (SQLite also returns NULL for a NaN result).
    case null
    /// A 64-bit integer.
    case integer(Int64)
    /// A double (±Inf possible; never NaN).
    case real(Double)
    /// UTF-8 text.
    case text(String)
    /// Bytes.
    case blob([UInt8])

    /// Parses a `--param NAME=VALUE` value: an integer, else a finite number, else text.
    ///
    /// Text in single quotes (`'4'`, with `''` for a quote) stays text, so `'4'` is the string "4".
    ///
    /// - Parameter text: the value as typed.
    /// - Returns: the typed value.
    public static func parse(_ text: String) -> SQLValue {
        if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'") {
            let inner = text.dropFirst().dropLast()
            return .text(inner.replacingOccurrences(of: "''", with: "'"))
        }
        if let i = Int64(text) { return .integer(i) }
        if isDecimal(text), let d = Double(text), d.isFinite { return .real(d) }
        return .text(text)
    }

    /// Whether text is a plain decimal number (digits, optional sign, point and exponent; no "nan", "inf",
    /// hex or spaces).
    static func isDecimal(_ text: String) -> Bool {
        var sawDigit = false
        for c in text.unicodeScalars {
            switch c {
            case "0"..."9": sawDigit = true
            case "+", "-", ".", "e", "E": continue
            default: return false
            }
        }
        return sawDigit
    }
}
