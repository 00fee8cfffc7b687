import GRDB

/// Applies ``Migration/all`` to a database, each migration in its own `BEGIN IMMEDIATE` transaction.
enum Migrator {
    /// The migrations recorded in a database (none when `kvlab_migrations` does not exist).
    ///
    /// - Parameter db: an open connection.
    static func applied(_ db: Database) throws -> [AppliedMigration] {
        guard try db.tableExists("kvlab_migrations") else { return [] }
        return try Row.fetchAll(
            db, sql: "SELECT version, name, sha256, applied_at FROM kvlab_migrations ORDER BY version"
        ).map { row in
            AppliedMigration(version: row[0], name: row[1], sha256: row[2], appliedAt: row[3])
        }
    }

    /// Checks recorded migrations against this build's and returns those still to apply.
    ///
    /// - Parameters:
    ///   - applied: the migrations recorded in the database.
    ///   - path: the database path, for messages.
    /// - Returns: this build's migrations that are not applied, in order.
    /// - Throws: ``StoreError/newerSchema(path:unknownMigrations:)`` for a migration this build does not
    ///   know, ``StoreError/migrationChanged(path:migration:recorded:expected:)`` for a changed checksum.
    static func pending(applied: [AppliedMigration], path: String) throws(StoreError) -> [Migration] {
        let known = Dictionary(uniqueKeysWithValues: Migration.all.map { ($0.version, $0) })
        var unknown: [String] = []
        for record in applied {
            guard let migration = known[record.version], migration.name == record.name else {
                unknown.append(record.name)
                continue
            }
            guard migration.sha256 == record.sha256 else {
                throw .migrationChanged(
                    path: path, migration: record.name, recorded: record.sha256, expected: migration.sha256)
            }
        }
        guard unknown.isEmpty else { throw .newerSchema(path: path, unknownMigrations: unknown) }
        let done = Set(applied.map(\.version))
        return Migration.all.filter { !done.contains($0.version) }
    }

    /// Applies every pending migration, each in its own immediate transaction.
    ///
    /// The recorded migrations are re-read and re-checked inside each transaction, so two processes
    /// opening a new file at once apply each migration exactly once.
    ///
    /// - Parameters:
    ///   - pool: a writable pool.
    ///   - path: the database path, for messages.
    static func migrate(_ pool: DatabasePool, path: String) throws {
        for migration in Migration.all {
            try pool.writeWithoutTransaction { db in
                // `PRAGMA foreign_keys` cannot change inside a transaction: set it around the transaction.
                if migration.rebuildsTables { try db.execute(sql: "PRAGMA foreign_keys = OFF") }
                defer { if migration.rebuildsTables { try? db.execute(sql: "PRAGMA foreign_keys = ON") } }
                try db.inTransaction(.immediate) {
                    let pending = try pending(applied: try applied(db), path: path)
                    guard pending.contains(migration) else { return .commit }
                    try db.execute(sql: migration.sql)
                    if migration.rebuildsTables, let violation = try Row.fetchOne(db, sql: "PRAGMA foreign_key_check") {
                        throw StoreError.inconsistent(
                            "migration \(migration.name) would leave a dangling reference (\(violation)); nothing was changed"
                        )
                    }
                    try db.execute(
                        sql: "INSERT INTO kvlab_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)",
                        arguments: [migration.version, migration.name, migration.sha256, Store.now()])
                    try db.execute(sql: "PRAGMA user_version = \(migration.version)")
                    return .commit
                }
            }
        }
    }
}
