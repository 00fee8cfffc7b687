/// The output formats of a claim report (`kvlab claims check --format`).
public enum ClaimReportFormat: String, CaseIterable, Sendable {
    /// One line per claim with its failing rows indented below, then the summary line
    /// (``ClaimReport/text(limit:)``).
    case text
    /// One JSON object (``ClaimReport/json(limit:)``).
    case json
    /// A JUnit XML test suite (``ClaimReport/junit(limit:)``).
    case junit
}
