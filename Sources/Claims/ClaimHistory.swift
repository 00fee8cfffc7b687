import ExperimentStore
import GRDB

/// The stored evaluations of claims (`claim_evaluations`): recording a check and reading the history.
public enum ClaimHistory {
    /// Stores records, with the writing process's provenance, in one short write transaction.
    ///
    /// - Parameters:
    ///   - records: the evaluations to store.
    ///   - provenance: the process to record as their writer (its id replaces the records'
    ///     ``ClaimRecord/provenanceID``), or nil.
    ///   - store: a store opened read-write.
    /// - Throws: ``StoreError`` (e.g. a read-only file).
    public static func record(_ records: [ClaimRecord], provenance: Provenance? = nil, in store: Store) throws {
        try store.write { db in
            let provenanceID = try provenance.map { try Store.recordProvenance($0, in: db) }
            let statement = try db.makeStatement(
                sql: """
                    INSERT INTO claim_evaluations (claim, file_hash, data_fingerprint, params, severity, verdict,
                        covered_cells, failing_rows, message, evaluated_at, provenance_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for r in records {
                try statement.execute(arguments: [
                    r.claim, r.fileHash, r.dataFingerprint, r.paramsJSON, r.severity, r.verdict.rawValue,
                    r.coveredCells, r.failingRowsJSON, r.message, r.evaluatedAt, provenanceID ?? r.provenanceID,
                ])
            }
        }
    }

    /// The stored evaluations, oldest first.
    ///
    /// - Parameters:
    ///   - claim: only this claim's evaluations (nil: every claim).
    ///   - store: the database.
    /// - Returns: the records ordered by (claim, evaluated_at, id).
    /// - Throws: ``StoreError``.
    public static func records(claim: String? = nil, in store: Store) throws -> [ClaimRecord] {
        try store.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, claim, file_hash, data_fingerprint, params, severity, verdict, covered_cells,
                        failing_rows, message, evaluated_at, provenance_id
                    FROM claim_evaluations WHERE ? IS NULL OR claim = ?
                    ORDER BY claim, evaluated_at, id
                    """,
                arguments: [claim, claim])
            return rows.map { row in
                ClaimRecord(
                    id: row[0], claim: row[1], fileHash: row[2], dataFingerprint: row[3], paramsJSON: row[4],
                    severity: row[5], verdict: ClaimVerdict(rawValue: row[6]) ?? .error, coveredCells: row[7],
                    failingRowsJSON: row[8], message: row[9], evaluatedAt: row[10], provenanceID: row[11])
            }
        }
    }
}
