/// Output formats of tabular results: `--format` of kvlab's tabular commands.
public enum TableFormat: String, CaseIterable, Sendable {
    /// Aligned columns with a header rule (numbers right-aligned).
    case table
    /// RFC 4180 comma-separated values with a header line.
    case csv
    /// Tab-separated values with a header line; tabs, newlines and backslashes escaped.
    case tsv
    /// A JSON array of objects keyed by column name.
    case json
    /// One JSON object per line.
    case ndjson
    /// A Markdown table.
    case markdown
}
