import GRDB

extension Store {
    /// Records the provenance of a writing process.
    ///
    /// - Parameters:
    ///   - provenance: the record (usually ``Provenance/current(kvlabVersion:gitCommit:command:)``).
    ///   - db: a connection inside a write transaction.
    /// - Returns: its id, to pass as `provenanceID` to the writing APIs.
    public static func recordProvenance(_ provenance: Provenance, in db: Database) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO provenance (kvlab_version, engine_version, git_commit, swift_version, os, arch, host,
                    pid, command, started_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                provenance.kvlabVersion, provenance.engineVersion, provenance.gitCommit, provenance.swiftVersion,
                provenance.os, provenance.arch, provenance.host, provenance.pid, provenance.command,
                provenance.startedAt,
            ])
        return db.lastInsertedRowID
    }

    /// Records the provenance of a writing process in its own write transaction.
    public func recordProvenance(_ provenance: Provenance) throws -> Int64 {
        try write { db in try Store.recordProvenance(provenance, in: db) }
    }

    /// The columns of a provenance row besides its id, in table order.
    static let provenanceColumns = [
        "kvlab_version", "engine_version", "git_commit", "swift_version", "os", "arch", "host", "pid", "command",
        "started_at",
    ]

    /// Copies a provenance row of another database (id first, then ``provenanceColumns``) into this one,
    /// reusing an identical row (a database merged twice gains no duplicates).
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
