import GRDB
import Quantization

/// A table whose rows carry a `checksum` column: the SHA-256 of the canonical JSON object (docs/SCHEMA.md
/// "Provenance": keys sorted, NULLs omitted, doubles in shortest round-trip form) of the row's other
/// columns but `id`. `kvlab verify` recomputes it. It detects a corrupted row, not a forged one (anyone can
/// recompute it); rows written before the table had the column hold NULL and are counted as unchecked.
struct ChecksummedTable: Sendable {
    /// The table.
    let name: String
    /// The columns the checksum covers, in table order (every column but `id` and `checksum`).
    let contentColumns: [String]

    /// `provenance` (migration 0009).
    static let provenance = ChecksummedTable(
        name: "provenance",
        contentColumns: [
            "kvlab_version", "engine_version", "git_commit", "swift_version", "os", "arch", "host", "pid", "command",
            "started_at", "work_dir", "work_git_commit", "work_git_dirty",
        ])

    /// `sweeps` (migration 0010): the spec text, its plan hash, trials, description, tags, timestamps and planner.
    static let sweeps = ChecksummedTable(
        name: "sweeps",
        contentColumns: [
            "name", "spec", "spec_hash", "created_at", "updated_at", "provenance_id", "trials", "description", "tags",
        ])

    /// The checksum of a row.
    ///
    /// - Parameter values: the row's values, in ``contentColumns`` order.
    /// - Returns: the checksum, or nil when a value cannot be in the JSON (a blob, a non-finite number: such a
    ///   row is damaged).
    func checksum(_ values: [DatabaseValue]) -> String? {
        var members: [(name: String, value: SwitchValue)] = []
        for (name, value) in zip(contentColumns, values) {
            switch value.storage {
            case .null: continue
            case .int64(let i): members.append((name, .int(Int(i))))
            case .double(let d): members.append((name, .double(d)))
            case .string(let s): members.append((name, .string(s)))
            case .blob: return nil
            }
        }
        guard let json = try? CanonicalJSON.encode(members) else { return nil }
        return Hex.sha256(json.utf8)
    }

    /// Recomputes the checksum of one row from its stored values and stores it (after the row was written).
    ///
    /// - Parameters:
    ///   - id: the row's id.
    ///   - db: a connection inside a write transaction.
    func seal(id: Int64, in db: Database) throws {
        let columns = contentColumns.joined(separator: ", ")
        guard let row = try Row.fetchOne(db, sql: "SELECT \(columns) FROM \(name) WHERE id = ?", arguments: [id])
        else { return }
        let values = contentColumns.indices.map { row[$0] as DatabaseValue }
        try db.execute(
            sql: "UPDATE \(name) SET checksum = ? WHERE id = ?", arguments: [checksum(values), id])
    }

    /// Whether one row matches its checksum (a row without one, written before the column existed, counts
    /// as intact: there is nothing to compare).
    ///
    /// - Parameters:
    ///   - id: the row's id.
    ///   - db: a connection.
    func isIntact(id: Int64, in db: Database) throws -> Bool {
        let columns = contentColumns.joined(separator: ", ")
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT checksum, \(columns) FROM \(name) WHERE id = ?", arguments: [id])
        else { return true }
        let recorded = row[0] as DatabaseValue
        if recorded.isNull { return true }
        let values = contentColumns.indices.map { row[1 + $0] as DatabaseValue }
        return String.fromDatabaseValue(recorded) == checksum(values)
    }

    /// Recomputes every row's checksum and reports each row whose content does not match it, in id order.
    /// Rows without a checksum are counted, not reported.
    ///
    /// - Parameters:
    ///   - db: a connection.
    ///   - problem: called with one line per damaged row (`NAME row ID: …`); returning false stops the scan.
    /// - Returns: the rows checked, and the rows without a checksum.
    @discardableResult
    func problems(in db: Database, problem: (String) -> Bool) throws -> (checked: Int, unchecked: Int) {
        let rows = try Row.fetchCursor(
            db, sql: "SELECT id, checksum, \(contentColumns.joined(separator: ", ")) FROM \(name) ORDER BY id")
        var checked = 0
        var unchecked = 0
        while let row = try rows.next() {
            let id = row[0] as DatabaseValue
            var line: String?
            if let recorded = String.fromDatabaseValue(row[1] as DatabaseValue) {
                checked += 1
                let values = contentColumns.indices.map { row[2 + $0] as DatabaseValue }
                if checksum(values) != recorded {
                    line = "\(name) row \(id): its content does not match its checksum \(recorded) (a value changed)"
                }
            } else if case .null = (row[1] as DatabaseValue).storage {
                unchecked += 1
            } else {
                line = "\(name) row \(id): its checksum is \(row[1] as DatabaseValue), not a text"
            }
            if let line, !problem(line) { break }
        }
        return (checked, unchecked)
    }
}
