import Foundation
import GRDB
import Quantization
import Testing

@testable import ExperimentStore

/// `kvlab sql` without `--write` cannot modify anything (through the same `Store.execute` it uses).
struct ReadOnlySQLTests {
    /// A database with one recorded trial, closed, plus a second plain SQLite file to attach.
    static func fixture(_ dir: TempDirectory) throws -> (path: String, other: String) {
        let path = dir.path()
        let store = try Store(path: path)
        try store.recordTrial(config: sampleConfig(), seed: 1, trial: 0, metrics: sampleMetrics(trial: 0))
        try store.close()
        let other = dir.path("other.sqlite")
        let queue = try plainQueue(other)
        try queue.write { db in try db.execute(sql: "CREATE TABLE z (a); INSERT INTO z VALUES (1)") }
        try queue.close()
        return (path, other)
    }

    static let attempts: [String] = [
        "DELETE FROM trials",
        "DROP TABLE metrics",
        "DROP VIEW trials_wide",
        "UPDATE configs SET bits = 3",
        "INSERT INTO sweeps (name, spec, spec_hash, created_at, updated_at) VALUES ('x', '', '', 0, 0)",
        "CREATE TABLE evil (x)",
        "CREATE INDEX evil ON trials (kl)",
        "ALTER TABLE runs ADD COLUMN evil TEXT",
        "SELECT 1; DELETE FROM configs",
        "PRAGMA query_only = 0; DELETE FROM trials",
        "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = 'x' WHERE name = 'runs'",
        "PRAGMA user_version = 99",
        "PRAGMA application_id = 1",
        "PRAGMA journal_mode = DELETE",
        "ATTACH 'OTHER' AS o; INSERT INTO o.z VALUES (2)",
        "ATTACH 'OTHER' AS o; CREATE TABLE o.evil (x)",
        "ATTACH 'NEW' AS n; CREATE TABLE n.evil (x)",
        "VACUUM",
        "VACUUM INTO 'NEW'",
        "REINDEX",
        "ANALYZE",
        "REPLACE INTO metrics (name, position, unit, direction, description) VALUES ('kl', 0, '', 'lower', '')",
    ]

    @Test(arguments: attempts)
    func writesAreRefusedWithoutWrite(sql: String) throws {
        let dir = try TempDirectory()
        let (path, other) = try Self.fixture(dir)
        let newPath = dir.path("new.sqlite")
        let text = sql.replacingOccurrences(of: "OTHER", with: other).replacingOccurrences(of: "NEW", with: newPath)
        let before = fileBytes(path)
        let otherBefore = fileBytes(other)
        let store = try Store(path: path, mode: .readOnly)
        #expect(throws: StoreError.self) { try store.execute(sql: text) }
        // The same statements through a read-write store: still refused without allowWrites.
        try store.close()
        let writer = try Store(path: path, mode: .readWrite)
        #expect(throws: StoreError.self) { try writer.execute(sql: text) }
        try writer.close()
        #expect(fileBytes(path) == before)
        #expect(fileBytes(other) == otherBefore)
        #expect(!FileManager.default.fileExists(atPath: newPath))
        let check = try Store(path: path, mode: .readOnly)
        #expect(try check.execute(sql: "SELECT count(*) FROM trials").rows == [[.integer(1)]])
    }

    @Test func readerConnectionsRefuseWritesEvenWithoutTheStatementCheck() throws {
        let dir = try TempDirectory()
        let (path, _) = try Self.fixture(dir)
        let before = fileBytes(path)
        for mode in [Store.Mode.readOnly, .readWrite] {
            let store = try Store(path: path, mode: mode)
            // Layer 2: reader connections are opened SQLITE_OPEN_READONLY.
            #expect(throws: StoreError.self) { try store.read { db in try db.execute(sql: "DELETE FROM trials") } }
            #expect(throws: StoreError.self) {
                try store.read { db in try db.execute(sql: "PRAGMA query_only = 0; DELETE FROM trials") }
            }
            // Layer 3: `execute` sets PRAGMA query_only on the connection it uses.
            #expect(try store.execute(sql: "PRAGMA query_only").rows == [[.integer(1)]])
            try store.close()
        }
        #expect(fileBytes(path) == before)
    }

    @Test func attachedDatabasesCanBeRead() throws {
        let dir = try TempDirectory()
        let (path, other) = try Self.fixture(dir)
        let store = try Store(path: path, mode: .readOnly)
        let result = try store.execute(
            sql: "ATTACH :other AS o; SELECT a FROM o.z", parameters: ["other": .text(other)])
        #expect(result.rows == [[.integer(1)]])
    }

    @Test func writesWorkWithWrite() throws {
        let dir = try TempDirectory()
        let (path, _) = try Self.fixture(dir)
        let store = try Store(path: path)
        let result = try store.execute(sql: "DELETE FROM trials; SELECT count(*) AS n FROM trials", allowWrites: true)
        #expect(result.columns == ["n"])
        #expect(result.rows == [[.integer(0)]])
        #expect(result.changes == 1)
        let reader = try Store(path: path, mode: .readOnly)
        #expect(throws: StoreError.self) { try reader.execute(sql: "DELETE FROM runs", allowWrites: true) }
    }

    @Test func aFailingWriteScriptRollsBack() throws {
        let dir = try TempDirectory()
        let (path, _) = try Self.fixture(dir)
        let store = try Store(path: path)
        #expect(throws: StoreError.self) {
            try store.execute(sql: "DELETE FROM trials; SELECT nosuchcolumn FROM trials", allowWrites: true)
        }
        #expect(try store.execute(sql: "SELECT count(*) FROM trials").rows == [[.integer(1)]])
    }

    @Test func parametersAreBoundWithTheirTypes() throws {
        let dir = try TempDirectory()
        let (path, _) = try Self.fixture(dir)
        let store = try Store(path: path, mode: .readOnly)
        let injection = "x'; DROP TABLE configs; --"
        let result = try store.execute(
            sql: "SELECT :a, typeof(:a), @b, typeof(@b), $c, typeof($c), :d, typeof(:d), :e, :a + 1",
            parameters: [
                "a": SQLValue.parse("4"), ":b": SQLValue.parse("0.5"), "c": SQLValue.parse("'4'"),
                "d": SQLValue.parse("gaussian"), "e": SQLValue.parse(injection),
            ])
        #expect(
            result.rows == [
                [
                    .integer(4), .text("integer"), .real(0.5), .text("real"), .text("4"), .text("text"),
                    .text("gaussian"), .text("text"), .text(injection), .integer(5),
                ]
            ])
        let filtered = try store.execute(
            sql: "SELECT count(*) FROM trials_wide WHERE bits = :bits AND scheme = :scheme",
            parameters: ["bits": .parse("4"), "scheme": .parse("KQV")])
        #expect(filtered.rows == [[.integer(1)]])
        #expect(try store.execute(sql: "SELECT count(*) FROM configs").rows == [[.integer(1)]])
    }

    @Test func parameterErrors() throws {
        let dir = try TempDirectory()
        let (path, _) = try Self.fixture(dir)
        let store = try Store(path: path, mode: .readOnly)
        #expect(throws: StoreError.missingParameter(name: "bits")) { try store.execute(sql: "SELECT :bits") }
        #expect(throws: StoreError.unusedParameter(name: "x")) {
            try store.execute(sql: "SELECT 1", parameters: ["x": .integer(1)])
        }
        #expect(throws: StoreError.self) { try store.execute(sql: "SELECT ?", parameters: [:]) }
    }

    @Test func syntaxErrorsCarrySQLitesMessage() throws {
        let dir = try TempDirectory()
        let (path, _) = try Self.fixture(dir)
        let store = try Store(path: path, mode: .readOnly)
        #expect {
            try store.execute(sql: "SELEC 1")
        } throws: { error in
            guard case .sql(let message, _) = error as? StoreError else { return false }
            return message.contains("syntax error")
        }
    }

    @Test func valueParsing() {
        #expect(SQLValue.parse("12") == .integer(12))
        #expect(SQLValue.parse("-3") == .integer(-3))
        #expect(SQLValue.parse("1e-3") == .real(0.001))
        #expect(SQLValue.parse("nan") == .text("nan"))
        #expect(SQLValue.parse("inf") == .text("inf"))
        #expect(SQLValue.parse("0x10") == .text("0x10"))
        #expect(SQLValue.parse("'it''s'") == .text("it's"))
        #expect(SQLValue.parse("''") == .text(""))
        #expect(SQLValue.parse("") == .text(""))
        #expect(SQLValue.parse("KQV") == .text("KQV"))
    }
}
