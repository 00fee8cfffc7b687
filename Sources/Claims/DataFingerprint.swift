import ExperimentStore
import GRDB

/// The fingerprint of the data a claim saw, stored with every evaluation.
///
/// It is the SHA-256 (lowercase hex) of one line `config_hash engine_version seed trials_hash` per done
/// run, ordered by (config_hash, engine_version, seed), each line ending in `\n`. `trials_hash` is the
/// content hash of the run's trial rows, so the fingerprint changes exactly when a run is completed,
/// removed or recomputed; it uses natural keys only, so a merged copy of the same runs has the same
/// fingerprint. An empty database has the SHA-256 of the empty string. Scoped to a sweep, only the runs
/// that sweep planned are listed.
public enum DataFingerprint {
    /// The fingerprint of the runs visible in a snapshot.
    ///
    /// - Parameters:
    ///   - db: a connection (inside the read transaction of the evaluation).
    ///   - scope: the runs the evaluation saw.
    /// - Returns: 64 lowercase hex digits.
    /// - Throws: a database error.
    public static func compute(in db: Database, scope: RunScope = .all) throws -> String {
        var text: [UInt8] = []
        var filter = ""
        var arguments: StatementArguments = []
        if case .sweep(let name) = scope {
            filter =
                "AND id IN (SELECT run_id FROM sweep_runs JOIN sweeps ON sweeps.id = sweep_id WHERE sweeps.name = ?)"
            arguments = [name]
        }
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT config_hash, engine_version, seed, trials_hash FROM runs WHERE state = 'done' \(filter)
                ORDER BY config_hash, engine_version, seed
                """, arguments: arguments)
        while let row = try rows.next() {
            let hash: String = row[0]
            let engine: Int64 = row[1]
            let seed: Int64 = row[2]
            let trials: String = row[3]
            text += Array("\(hash) \(engine) \(seed) \(trials)\n".utf8)
        }
        return ClaimDigest.sha256(text)
    }
}
