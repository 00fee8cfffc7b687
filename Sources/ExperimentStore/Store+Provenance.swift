import GRDB
import Quantization

extension Store {
    /// Records the provenance of a writing process, with its checksum (``provenanceChecksum(_:)``).
    ///
    /// - Parameters:
    ///   - provenance: the record (usually ``Provenance/current(kvlabVersion:gitCommit:command:)``).
    ///   - db: a connection inside a write transaction.
    /// - Returns: its id, to pass as `provenanceID` to the writing APIs.
    public static func recordProvenance(_ provenance: Provenance, in db: Database) throws -> Int64 {
        let values: [DatabaseValue] = [
            provenance.kvlabVersion.databaseValue, provenance.engineVersion.databaseValue,
            provenance.gitCommit.databaseValue, provenance.swiftVersion.databaseValue, provenance.os.databaseValue,
            provenance.arch.databaseValue, provenance.host.databaseValue, provenance.pid.databaseValue,
            provenance.command.databaseValue, provenance.startedAt.databaseValue, provenance.workDir.databaseValue,
            provenance.workTree?.commit.databaseValue ?? .null,
            (provenance.workTree?.isDirty).map { ($0 ? 1 : 0).databaseValue } ?? .null,
        ]
        let checksum = provenanceChecksum(values)
        let placeholders = Array(repeating: "?", count: provenanceColumns.count).joined(separator: ", ")
        try db.execute(
            sql: "INSERT INTO provenance (\(provenanceColumns.joined(separator: ", "))) VALUES (\(placeholders))",
            arguments: StatementArguments(values + [checksum.databaseValue]))
        return db.lastInsertedRowID
    }

    /// Records the provenance of a writing process in its own write transaction.
    public func recordProvenance(_ provenance: Provenance) throws -> Int64 {
        try write { db in try Store.recordProvenance(provenance, in: db) }
    }

    /// The columns of a provenance row besides its id, in table order (the checksum last).
    static let provenanceColumns = ChecksummedTable.provenance.contentColumns + ["checksum"]

    /// The checksum of a provenance row (``ChecksummedTable/checksum(_:)`` of ``ChecksummedTable/provenance``).
    ///
    /// - Parameter values: the row's values, in ``ChecksummedTable/contentColumns`` order.
    /// - Returns: the checksum, or nil when a value cannot be in the JSON (such a row is damaged).
    static func provenanceChecksum(_ values: [DatabaseValue]) -> String? {
        ChecksummedTable.provenance.checksum(values)
    }

    /// Copies a provenance row of another database (id first, then ``provenanceColumns``) into this one,
    /// reusing an identical row (a database merged twice gains no duplicates). The checksum is copied, not
    /// recomputed, so a row damaged in the input stays detectable in the output.
    ///
    /// - Returns: the row's id in this database.
    static func copyProvenance(_ row: Row, in db: Database) throws -> Int64 {
        let values = (1...provenanceColumns.count).map { row[$0] as DatabaseValue }
        let match = provenanceColumns.map { "\($0) IS ?" }.joined(separator: " AND ")
        if let id = try Int64.fetchOne(
            db, sql: "SELECT id FROM provenance WHERE \(match) LIMIT 1", arguments: StatementArguments(values))
        {
            return id
        }
        let placeholders = Array(repeating: "?", count: provenanceColumns.count).joined(separator: ", ")
        try db.execute(
            sql: "INSERT INTO provenance (\(provenanceColumns.joined(separator: ", "))) VALUES (\(placeholders))",
            arguments: StatementArguments(values))
        return db.lastInsertedRowID
    }
}
