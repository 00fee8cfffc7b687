import Foundation
import GRDB
import KVLabTestSupport
import Testing

@testable import ExperimentStore

/// The full schema (`sqlite_master`) of a fresh database equals the committed `schema.golden.sql`.
///
/// The schema only changes through a new migration; when one is added, regenerate the snapshot with
/// `KVLAB_UPDATE_GOLDEN=1 swift test --filter SchemaGoldenTests` and review the diff.
struct SchemaGoldenTests {
    static let goldenPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("schema.golden.sql").path

    /// The schema of a database as text: application id, user version, then every `sqlite_master` entry.
    static func dump(_ store: Store) throws -> String {
        try store.read { db in
            var out = "-- kvlab schema snapshot (Tests/ExperimentStoreTests/SchemaGoldenTests.swift)\n"
            out += "-- PRAGMA application_id = \(try Int.fetchOne(db, sql: "PRAGMA application_id") ?? 0)\n"
            out += "-- PRAGMA user_version = \(try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0)\n\n"
            let rows = try Row.fetchAll(
                db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
            for row in rows {
                let type: String = row[0]
                let name: String = row[1]
                let table: String = row[2]
                let sql: String? = row[3]
                out += "-- \(type) \(name) on \(table)\n"
                out += (sql.map { $0 + ";" } ?? "-- (created by SQLite)") + "\n\n"
            }
            return out
        }
    }

    @Test func schemaMatchesTheGoldenSnapshot() throws {
        let dir = try TemporaryDirectory()
        let actual = try Self.dump(try Store(path: dir.path()))
        if ProcessInfo.processInfo.environment["KVLAB_UPDATE_GOLDEN"] == "1" {
            try actual.write(toFile: Self.goldenPath, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOfFile: Self.goldenPath, encoding: .utf8)
        #expect(actual == golden, "the schema changed: add a migration and regenerate schema.golden.sql")
    }
}
