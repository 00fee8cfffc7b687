import Foundation
import Testing

@testable import ExperimentStore

/// The migrations compiled into kvlab are exactly the repository's `migrations/*.sql` files.
struct MigrationEmbeddingTests {
    static let migrationsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("migrations")

    @Test func everyMigrationFileIsEmbeddedWithIdenticalBytes() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.migrationsDirectory.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!files.isEmpty)
        #expect(files.map { String($0.dropLast(4)) } == Migration.all.map(\.name))
        for migration in Migration.all {
            let url = Self.migrationsDirectory.appendingPathComponent(migration.name + ".sql")
            let bytes = Array(try Data(contentsOf: url))
            #expect(bytes == migration.bytes, "\(migration.name) differs from its embedded copy")
            #expect(Hex.sha256(bytes) == migration.sha256)
        }
    }

    @Test func versionsAreContiguousFromOne() {
        #expect(Migration.all.map(\.version) == Array(1...Migration.all.count))
        #expect(Store.schemaVersion == Migration.all.count)
        for migration in Migration.all {
            #expect(migration.name.hasPrefix(String(format: "%04d_", migration.version)))
        }
    }
}
