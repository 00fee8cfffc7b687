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
}
