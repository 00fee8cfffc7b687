import GRDB
import Synchronization

/// What a set of migrations creates in an empty database: its schema objects and the rows the migrations
/// insert (such as the shipped schemes of 0005).
///
/// Building it runs every migration's SQL on an in-memory database (tens of milliseconds), so it is built
/// once per process and set of migrations and shared by the open's schema check, the checks before writing
/// and `kvlab verify`.
struct MigrationProduct: Sendable {
    /// The rows one table holds after the migrations.
    struct Table: Sendable {
        /// The table.
        let name: String
        /// Its columns, in table order.
        let columns: [String]
        /// Its rows, values in column order.
        let rows: [[DatabaseValue]]
    }

    /// `type name` → SQL text of every schema object except SQLite's internal ones.
    let schema: [String: String]
    /// The tables the migrations put rows in (not `kvlab_migrations`), by name.
    let tables: [Table]

    private static let cache = Mutex<[Set<Int>: MigrationProduct]>([:])

    /// The product of the migrations with these versions.
    static func of(applied: Set<Int>) throws -> MigrationProduct {
        if let cached = cache.withLock({ $0[applied] }) { return cached }
        let product = try DatabaseQueue().write { memory -> MigrationProduct in
            for migration in Migration.all where applied.contains(migration.version) {
                try memory.execute(sql: migration.sql)
            }
            let names = try String.fetchAll(
                memory,
                sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                    AND name <> 'kvlab_migrations' ORDER BY name
                    """)
            let tables = try names.compactMap { name -> Table? in
                let rows = try Row.fetchAll(memory, sql: "SELECT * FROM \(name.quotedDatabaseIdentifier)")
                guard let first = rows.first else { return nil }
                return Table(
                    name: name, columns: Array(first.columnNames),
                    rows: rows.map { row in (0..<row.count).map { row[$0] as DatabaseValue } })
            }
            return MigrationProduct(schema: try Store.schemaObjects(memory), tables: tables)
        }
        cache.withLock { $0[applied] = product }
        return product
    }
}
