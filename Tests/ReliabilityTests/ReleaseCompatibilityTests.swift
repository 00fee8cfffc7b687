import Foundation
import GRDB
import KVLabTestSupport
import Testing

/// A database written by the previous release opens, resumes and keeps every value (issue "Open the
/// engine": adding schemes and switches must not change an existing identity or sweep fingerprint).
///
/// `Fixtures/release-0.1-smoke.sqlite` is `kvlab run smoke` by kvlab 0.1.0 (engine 2, schema 3; commit
/// 57103f9, the last release before schemes became declarations), checkpointed into one file.
@Suite("Reliability: a database of the previous release")
struct ReleaseCompatibilityTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/release-0.1-smoke.sqlite").path

    /// The columns `trials_wide` had in that release.
    static let oldColumns =
        "config_hash, scheme, bits, distribution, nu, rank, mixing, noise, outliers, outlier_scale, dim, tokens, "
        + "queries, logit_scale, rotation, qjl, codebook, baseline, norms, seed, trial, engine_version, run_id, "
        + "nan_mask, kl, kl_reverse, js, tv, hellinger, bhattacharyya, top1_flip, top8_overlap, logit_bias, "
        + "logit_var, entropy_delta, kl_second_order, jensen_ratio, k_angle, k_rel_l2, k_norm_ratio, v_angle, "
        + "v_rel_l2, v_norm_ratio, o_angle, o_rel_l2, o_norm_ratio, dist6_geo, dist6_div, bits_k, bits_v"

    /// Every value of a query, read by GRDB directly (read-only).
    static func rows(_ path: String, _ sql: String) throws -> [[DatabaseValue]] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in try Row.fetchAll(db, sql: sql).map { Array($0.databaseValues) } }
    }

    @Test("kvlab run smoke resumes it without recomputing or refusing; trials_wide keeps every value")
    func resumesWithoutRecomputing() throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("old.sqlite").path
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: db)
        let values = "SELECT \(Self.oldColumns) FROM trials_wide ORDER BY config_hash, seed, trial"
        let runs = "SELECT id, config_hash, seed, state, trials_hash, finished_at FROM runs ORDER BY id"
        let sweeps = "SELECT name, spec_hash FROM sweeps ORDER BY name"
        let (beforeValues, beforeRuns, beforeSweeps) = (
            try Self.rows(db, values), try Self.rows(db, runs), try Self.rows(db, sweeps)
        )
        #expect(beforeValues.count == 36 && beforeRuns.count == 18)

        let resumed = try KVLabProcess.run(["run", "smoke", "--db", db])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(!resumed.stderr.contains("changed"), "\(resumed.stderr)")
        #expect(try Self.rows(db, values) == beforeValues)
        // Nothing was recomputed: the same runs, finished at the same instants, and the same fingerprint.
        #expect(try Self.rows(db, runs) == beforeRuns)
        #expect(try Self.rows(db, sweeps) == beforeSweeps)
        // The new columns are filled for the old configs.
        #expect(
            try Self.rows(db, "SELECT count(*) FROM configs WHERE key_recipe IS NULL OR value_recipe IS NULL")
                == [[0.databaseValue]])
        let verify = try KVLabProcess.run(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify.stdout)")
        let claims = try KVLabProcess.run(["claims", "check", "sanity-effective-bits", "--db", db])
        #expect(claims.status == 0, "\(claims.stdout)\(claims.stderr)")
    }
}
