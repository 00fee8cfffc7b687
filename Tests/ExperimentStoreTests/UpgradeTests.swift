import Foundation
import GRDB
import KVLabTestSupport
import Testing

@testable import ExperimentStore

/// Opening a database written at an older schema version upgrades it in place.
///
/// `Fixtures/schema-v1.db` holds the smoke sweep (`kvlab run sweeps/smoke.yaml`: 6 configs × 3 seeds ×
/// 2 trials) at schema version 1 (migration 0001 only), checkpointed into one file. It was made with the
/// kvlab of schema 2 and taken back to version 1 by dropping what 0002 adds (`DROP VIEW run_pairs;
/// DROP VIEW run_means; DELETE FROM kvlab_migrations WHERE version = 2; PRAGMA user_version = 1; VACUUM`).
struct UpgradeTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/schema-v1.db").path

    @Test func aVersion1DatabaseIsUpgradedInPlace() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path()
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: path)
        let before = fileBytes(path)
        #expect(throws: StoreError.outdatedSchema(path: path, applied: 1, required: Store.schemaVersion)) {
            try Store(path: path, mode: .readOnly)
        }
        #expect(fileBytes(path) == before)
        let store = try Store(path: path)
        #expect(try store.appliedMigrations().map(\.name) == Migration.all.map(\.name))
        #expect(try store.appliedMigrations().first?.sha256 == Migration.all.first?.sha256)
        #expect(
            try SchemaGoldenTests.dump(store) == String(contentsOfFile: SchemaGoldenTests.goldenPath, encoding: .utf8))
        #expect(try store.execute(sql: "SELECT count(*) FROM trials_wide").rows == [[.integer(36)]])
        #expect(try store.execute(sql: "SELECT count(*) FROM cell_stats WHERE metric = 'kl'").rows == [[.integer(6)]])
        let runs = try store.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM runs WHERE state = 'done'") }
        #expect(runs.count == 18)
        for run in runs {
            let stored = try #require(try store.summary(runID: run))
            #expect(try store.markRunDone(runID: run) == stored)
        }
        for hash in try store.read({ db in try String.fetchAll(db, sql: "SELECT config_hash FROM configs") }) {
            #expect(try store.config(hash: hash)?.configHash() == hash)
        }
        try store.close()
        let reopened = try Store(path: path, mode: .readOnly)
        #expect(try reopened.appliedMigrations().count == Migration.all.count)
    }
}
