import Foundation

/// Renders tabular results: an aligned table, CSV (RFC 4180), TSV (`\t`, `\n`, `\r`, `\\` escaped),
/// JSON (an array of objects keyed by column name), NDJSON (one object per line) or a Markdown table.
///
/// Numbers are never taken from SQLite's text conversion (15 digits): doubles print in Swift's shortest
/// round-trip form, and ±Inf/NaN as "Infinity", "-Infinity", "NaN" (JSON strings in JSON). NULL is `NULL`
/// in a table, empty in CSV, TSV and Markdown, `null` in JSON. Tables and Markdown are for people: they may
/// round doubles (``NumberDigits``); CSV, TSV, JSON and NDJSON never do.
public enum TableOutput {
    /// The text of a result, without a trailing newline (empty when there are no columns).
    ///
    /// - Parameters:
    ///   - columns: column names.
    ///   - rows: rows with one value per column.
    ///   - format: the output format.
    ///   - digits: how doubles print in a table or Markdown (default in full); other formats ignore it.
    public static func render(
        columns: [String], rows: [[SQLValue]], format: TableFormat, digits: NumberDigits = .full
    ) -> String {
        guard !columns.isEmpty else { return "" }
        switch format {
        case .table, .markdown:
            guard digits != .full else { break }
            let rounded = rows.map { row in row.map(digits.rounded) }
            return render(columns: columns, rows: rounded, format: format)
        default: break
        }
        switch format {
        case .table: return table(columns: columns, rows: rows)
        case .csv:
            let lines = [columns.map(csvField)] + rows.map { $0.map { csvField(text($0)) } }
            return lines.map { $0.joined(separator: ",") }.joined(separator: "\n")
        case .tsv:
            let lines = [columns.map(tsvField)] + rows.map { $0.map { tsvField(text($0)) } }
            return lines.map { $0.joined(separator: "\t") }.joined(separator: "\n")
        case .json:
            guard !rows.isEmpty else { return "[]" }
            return "[\n" + rows.map { object(columns, $0).rendered() }.joined(separator: ",\n") + "\n]"
        case .ndjson: return rows.map { object(columns, $0).rendered() }.joined(separator: "\n")
        case .markdown: return markdown(columns: columns, rows: rows)
        }
    }

    /// Renders a query result (see ``render(columns:rows:format:digits:)``).
    public static func render(_ result: QueryResult, format: TableFormat, digits: NumberDigits = .full) -> String {
        render(columns: result.columns, rows: result.rows, format: format, digits: digits)
    }

    /// The indices of the columns that hold one value in every row, when there are at least two rows (none
    /// otherwise): long tables print them once above the rest.
    public static func constantColumns<Value: Equatable>(_ rows: [[Value]]) -> [Int] {
        guard rows.count > 1, let first = rows.first else { return [] }
        return first.indices.filter { i in rows.allSatisfy { $0[i] == first[i] } }
    }

    /// A value as text for table, CSV, TSV and Markdown; nil for NULL.
    public static func text(_ value: SQLValue) -> String? {
        switch value {
        case .null: return nil
        case .integer(let i): return String(i)
        case .real(let d): return number(d)
        case .text(let s): return s
        case .blob(let bytes): return "x'" + bytes.map { byte in hex(byte) }.joined() + "'"
        }
    }

    /// A double: shortest round-trip decimal, or "NaN", "Infinity", "-Infinity".
    public static func number(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
        return "\(d)"
    }

    /// A value as JSON.
    public static func json(_ value: SQLValue) -> JSONValue {
        switch value {
        case .null: return .null
        case .integer(let i): return .int(Int(i))
        case .real(let d): return .double(d)
        case .text(let s): return .string(s)
        case .blob: return .string(text(value) ?? "")
        }
    }

    private static func object(_ columns: [String], _ row: [SQLValue]) -> JSONValue {
        .object(zip(columns, row).map { ($0, json($1)) })
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }

    private static func csvField(_ text: String?) -> String {
        guard let text else { return "" }
        let needsQuotes =
            text.contains { $0 == "," || $0 == "\"" || $0.isNewline } || text.first == " "
            || text.last == " "
        return needsQuotes ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    private static func tsvField(_ text: String?) -> String {
        guard let text else { return "" }
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    private static func table(columns: [String], rows: [[SQLValue]]) -> String {
        let cells = rows.map { $0.map { text($0).map { singleLine($0) } ?? "NULL" } }
        let numeric = columns.indices.map { i in
            rows.allSatisfy { row in
                switch row[i] {
                case .integer, .real, .null: return true
                default: return false
                }
            }
        }
        var widths = columns.map(\.count)
        for row in cells {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        func pad(_ s: String, _ i: Int) -> String {
            let fill = String(repeating: " ", count: widths[i] - s.count)
            return numeric[i] ? fill + s : s + fill
        }
        var lines = [columns.indices.map { pad(columns[$0], $0) }.joined(separator: "  ")]
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in cells { lines.append(row.indices.map { pad(row[$0], $0) }.joined(separator: "  ")) }
        return lines.map { trimTrailing($0) }.joined(separator: "\n")
    }

    private static func markdown(columns: [String], rows: [[SQLValue]]) -> String {
        func cell(_ s: String) -> String {
            singleLine(
                s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\r\n", with: "\n"),
                newline: "<br>")
        }
        var lines = ["| " + columns.map(cell).joined(separator: " | ") + " |"]
        lines.append("|" + columns.map { _ in " --- " }.joined(separator: "|") + "|")
        for row in rows { lines.append("| " + row.map { cell(text($0) ?? "") }.joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n")
    }

    /// A cell on one line: a newline as `newline`, a tab as `\t`, a carriage return as `\r`, and every other
    /// control character (C0, DEL, C1: text from the database could otherwise move the cursor or recolour a
    /// terminal) as `\u{XX}`.
    private static func singleLine(_ s: String, newline: String = "\\n") -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x0A: out += newline
            case 0x09: out += "\\t"
            case 0x0D: out += "\\r"
            case 0..<0x20, 0x7F...0x9F: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func trimTrailing(_ s: String) -> String {
        var s = Substring(s)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
