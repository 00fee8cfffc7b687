/// The rows returned by ad-hoc SQL (``Store/execute(sql:parameters:allowWrites:)``).
public struct QueryResult: Sendable, Equatable {
    /// Column names of the last statement that returns rows (empty when none does).
    public var columns: [String]
    /// Its rows, each with one value per column.
    public var rows: [[SQLValue]]
    /// Rows changed by the statements (SQLite's `total_changes` difference).
    public var changes: Int

    /// Creates a result.
    public init(columns: [String], rows: [[SQLValue]], changes: Int) {
        self.columns = columns
        self.rows = rows
        self.changes = changes
    }
}
