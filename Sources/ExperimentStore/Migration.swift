import Crypto

/// One schema migration: an embedded `migrations/NNNN_name.sql` file of the repository.
///
/// Migrations are applied in `version` order, each in its own transaction, and recorded in the
/// `kvlab_migrations` table with the SHA-256 of the file's bytes. A released migration never changes.
public struct Migration: Sendable, Hashable {
    /// The NNNN number of the file name.
    public let version: Int
    /// The file name without `.sql`, e.g. `0001_initial`.
    public let name: String
    /// The file's bytes (UTF-8 SQL).
    public let bytes: [UInt8]
    /// Lowercase hex SHA-256 of ``bytes``.
    public let sha256: String

    /// Creates a migration from a file's name and bytes.
    ///
    /// - Parameters:
    ///   - name: the file name without `.sql`; it must start with its decimal version number and `_`.
    ///   - bytes: the file's content.
    init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
        self.version = Int(name.prefix { $0.isNumber }) ?? 0
        self.sha256 = Hex.sha256(bytes)
    }

    /// The SQL text.
    public var sql: String { String(decoding: bytes, as: UTF8.self) }

    /// Every migration this build knows, in order (embedded from `migrations/`).
    public static let all: [Migration] = [
        Migration(name: "0001_initial", bytes: PackageResources._001_initial_sql),
        Migration(name: "0002_analysis_views", bytes: PackageResources._002_analysis_views_sql),
        Migration(name: "0003_compare_results", bytes: PackageResources._003_compare_results_sql),
        Migration(name: "0004_compare_per_seed", bytes: PackageResources._004_compare_per_seed_sql),
        Migration(name: "0005_declared_schemes", bytes: PackageResources._005_declared_schemes_sql),
        Migration(name: "0006_datasets", bytes: PackageResources._006_datasets_sql),
        Migration(name: "0007_captured_data", bytes: PackageResources._007_captured_data_sql),
        Migration(name: "0008_model_level", bytes: PackageResources._008_model_level_sql),
        Migration(name: "0009_provenance", bytes: PackageResources._009_provenance_sql),
        Migration(name: "0010_sweep_checksums", bytes: PackageResources._010_sweep_checksums_sql),
    ]

    /// The migrations that rebuild a table other tables reference (create a new table, copy, drop, rename):
    /// SQLite's procedure for that needs foreign keys off while it runs, so ``Migrator`` turns them off
    /// around such a migration and runs `PRAGMA foreign_key_check` before it commits.
    static let tableRebuilds: Set<Int> = [7, 8]

    /// Whether this migration rebuilds a referenced table (``tableRebuilds``).
    var rebuildsTables: Bool { Self.tableRebuilds.contains(version) }

    /// The schema version of this build: the version of its last migration.
    public static var latestVersion: Int { all.last?.version ?? 0 }
}

/// Lowercase hexadecimal encodings of digests.
enum Hex {
    /// SHA-256 of bytes, as 64 lowercase hex digits.
    static func sha256(_ bytes: some Sequence<UInt8>) -> String {
        encode(SHA256.hash(data: Array(bytes)))
    }

    /// Bytes as lowercase hex digits.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
