import GRDB
import KVLabTestSupport
import Quantization
import Testing

@testable import ExperimentStore

/// A damaged schema (e.g. a bit flip in a CREATE statement) is refused at open, before any command reads
/// rows by column name; `kvlab verify` can still open it; objects a user added are not damage.
@Suite("Schema damage is refused at open")
struct SchemaDamageTests {
    /// Rewrites the stored SQL of one schema object (as a flipped bit in sqlite_master would).
    static func damage(_ path: String, object: String, replacing old: String, with new: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA writable_schema = ON")
            try db.execute(
                sql: "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE name = ?", arguments: [old, new, object])
            try db.execute(sql: "PRAGMA writable_schema = OFF")
        }
        try queue.close()
    }

    @Test("a renamed column is refused for reading and writing, with the path and the fix")
    func renamedColumn() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path()
        try Store(path: path).close()
        try Self.damage(path, object: "trials", replacing: "kl_reverse REAL", with: "kl_reversx REAL")
        for mode in [Store.Mode.readOnly, .readWrite] {
            let message = Self.inconsistencyMessage { _ = try Store(path: path, mode: mode) }
            #expect(message?.contains("table trials differs") == true, "\(mode): \(message ?? "opened")")
            #expect(message?.contains("kvlab verify") == true)
        }
        let unchecked = try Store(path: path, mode: .readOnly, checkSchema: false)
        let report = try unchecked.verify()
        #expect(report.problemCount > 0)
    }

    /// The message of the `StoreError.inconsistent` that `body` throws, or nil.
    static func inconsistencyMessage(_ body: () throws -> Void) -> String? {
        do {
            try body()
        } catch {
            if let storeError = error as? StoreError, case .inconsistent(let message) = storeError { return message }
            return "unexpected error: \(error)"
        }
        return nil
    }

    @Test("objects a user added do not count as damage")
    func userObjects() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path()
        let store = try Store(path: path)
        try store.write { db in try db.execute(sql: "CREATE VIEW my_view AS SELECT 1 AS one") }
        try store.close()
        _ = try Store(path: path, mode: .readOnly)
        _ = try Store(path: path, mode: .readWrite)
    }
}

/// A damaged `run_summaries` row (a bit flip in a record header can turn a stored count into NULL) is an
/// error, never a trap: `kvlab verify` crashed with "could not decode Int from database value NULL".
@Suite("Damaged summary rows")
struct DamagedSummaryTests {
    @Test("a NULL count in a run_summaries row throws from Store.summary; an intact row decodes")
    func nullCount() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            let columns =
                ["run_id", "trials"]
                + Metric.allCases.flatMap { m in ["_n", "_nan", "_mean", "_sd"].map { m.rawValue + $0 } }
            try db.execute(sql: "CREATE TABLE runs (id INTEGER PRIMARY KEY, state TEXT, trials_hash TEXT)")
            try db.execute(sql: "CREATE TABLE run_summaries (\(columns.joined(separator: ", ")))")
            try db.execute(sql: "INSERT INTO runs VALUES (1, 'done', 'h'), (2, 'done', 'h')")
            for run in [1, 2] {
                let values = [String(run), "3"] + Metric.allCases.flatMap { _ in ["3", "0", "0.5", "0.1"] }
                try db.execute(sql: "INSERT INTO run_summaries VALUES (\(values.joined(separator: ", ")))")
            }
            try db.execute(sql: "UPDATE run_summaries SET kl_nan = NULL WHERE run_id = 2")
            #expect(try Store.summary(runID: 1, in: db)?.metrics.first?.mean == 0.5)
            #expect(throws: (any Error).self) { try Store.summary(runID: 2, in: db) }
        }
    }
}
