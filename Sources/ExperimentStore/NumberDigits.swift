import Foundation

/// How many digits tables for people show (`--digits`): doubles rounded to a number of significant digits,
/// or in full (shortest round-trip form). Formats for machines (csv, tsv, json, ndjson) always print in full.
public enum NumberDigits: Sendable, Equatable {
    /// The shortest decimal that reads back to the same double.
    case full
    /// Rounded to this many significant digits (≥ 1).
    case significant(Int)

    /// The default of tables and Markdown: 4 significant digits.
    public static let standard = NumberDigits.significant(4)

    /// The most significant digits that change a double's text (17 always round-trip).
    public static let maxSignificant = 17

    /// Parses `full` or an integer in 1…17.
    ///
    /// - Returns: nil for anything else.
    public init?(_ text: String) {
        if text == "full" {
            self = .full
        } else if let n = Int(text), (1...Self.maxSignificant).contains(n) {
            self = .significant(n)
        } else {
            return nil
        }
    }

    /// A finite double rounded to these digits (unchanged when `full`, zero or not finite).
    public func rounded(_ d: Double) -> Double {
        guard case .significant(let n) = self, d.isFinite, d != 0 else { return d }
        return Double(String(format: "%.\(n)g", d)) ?? d
    }

    /// A double value rounded to these digits; other values unchanged.
    public func rounded(_ value: SQLValue) -> SQLValue {
        guard case .real(let d) = value else { return value }
        return .real(rounded(d))
    }
}
