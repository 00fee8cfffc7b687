/// A migration as recorded in a database's `kvlab_migrations` table.
public struct AppliedMigration: Sendable, Equatable {
    /// The NNNN number of the migration file.
    public var version: Int
    /// The file name without `.sql`.
    public var name: String
    /// Lowercase hex SHA-256 of the file's bytes when it was applied.
    public var sha256: String
    /// When it was applied (Unix epoch seconds).
    public var appliedAt: Double

    /// Creates a record.
    public init(version: Int, name: String, sha256: String, appliedAt: Double) {
        self.version = version
        self.name = name
        self.sha256 = sha256
        self.appliedAt = appliedAt
    }
}
