/// A typed value bound to a `:name` parameter of a claim or query (never spliced into SQL).
public enum ParameterValue: Sendable, Hashable, CustomStringConvertible {
    case integer(Int64)
    case real(Double)
    case text(String)
    case null

    /// Parses a command-line or header value: an integer, a real, `null`, a quoted string ('x' or "x"),
    /// or otherwise the bare text.
    ///
    /// - Parameter raw: the text after `NAME=`.
    public init(parsing raw: String) {
        let s = raw.trimmingSpaces()
        if let i = Int64(s) {
            self = .integer(i)
        } else if let d = Double(s), s.contains(where: { $0.isNumber }) {
            self = .real(d)
        } else if s.lowercased() == "null" {
            self = .null
        } else if s.count >= 2, let f = s.first, let l = s.last, f == l, f == "'" || f == "\"" {
            self = .text(String(s.dropFirst().dropLast()))
        } else {
            self = .text(s)
        }
    }

    public var description: String {
        switch self {
        case .integer(let i): return String(i)
        case .real(let d): return "\(d)"
        case .text(let t): return "'\(t)'"
        case .null: return "NULL"
        }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
