import Foundation
import GRDB

/// A kvlab experiment database: one SQLite file in WAL mode, opened through GRDB.
///
/// Opening probes the file read-only first and refuses, without changing a byte, a file that is not
/// SQLite, an SQLite database that is not kvlab's, one written by a newer kvlab, and one whose migration
/// checksums changed. A writable open then applies pending migrations (each in its own transaction) and
/// brings the reference tables (`metrics`, `t_quantiles`) up to date.
///
/// Every connection has `foreign_keys = ON`, a busy timeout of ``busyTimeout`` seconds and kvlab's SQL
/// functions (``SQLFunctions``). Writes run in `BEGIN IMMEDIATE` transactions on the single writer
/// connection; reads run in a deferred transaction (one snapshot) on read-only connections.
///
/// Other modules use ``read(_:)`` and ``write(_:)`` for their own SQL, or ``pool`` directly.
public final class Store: Sendable {
    /// How a database is opened.
    public enum Mode: Sendable, Equatable {
        /// Read-only connections only; the file must exist and be current.
        case readOnly
        /// Read and write; creates the file and migrates it as needed.
        case readWrite
    }

    /// `PRAGMA application_id` of kvlab databases: 0x4B564C42, "KVLB".
    public static let applicationID: Int32 = 0x4B56_4C42

    /// Seconds a connection waits for a lock before failing with "database is locked".
    public static let busyTimeout: TimeInterval = 60

    /// The schema version of this build (the version of its last migration).
    public static var schemaVersion: Int { Migration.latestVersion }

    /// The database file.
    public let path: String

    /// How it was opened.
    public let mode: Mode

    /// The connections that run user SQL (``SQLGuard``), opened on first use.
    let untrusted = UntrustedConnections()

    /// The GRDB pool: one writer connection (unless read-only) and read-only reader connections, all
    /// configured by kvlab. Prefer ``read(_:)`` and ``write(_:)``, which map SQLite errors to ``StoreError``.
    public let pool: DatabasePool

    /// Opens (and, in ``Mode/readWrite``, creates and migrates) a database.
    ///
    /// - Parameters:
    ///   - path: the database file.
    ///   - mode: read-only or read-write.
    ///   - checkSchema: refuse a damaged schema (only `kvlab verify` opens without this check), and, before
    ///     writing into an existing database, damaged reference tables.
    ///   - checkPages: before writing into an existing database, run SQLite's page check first (its cost grows
    ///     with the file).
    /// - Throws: ``StoreError/missingDatabase(path:)`` (read-only and no file), ``StoreError/notSQLite(path:)``,
    ///   ``StoreError/notKVLab(path:applicationID:)``, ``StoreError/newerSchema(path:unknownMigrations:)``,
    ///   ``StoreError/migrationChanged(path:migration:recorded:expected:)``,
    ///   ``StoreError/outdatedSchema(path:applied:required:)`` (read-only only),
    ///   ``StoreError/cannotOpen(path:reason:)``; ``StoreError/inconsistent(_:)`` for a damaged schema, and
    ///   before writing into damaged reference tables or (with `checkPages`) pages
    ///   (``refuseDamageBeforeWriting(path:checkPages:)``).
    public init(path: String, mode: Mode = .readWrite, checkSchema: Bool = true, checkPages: Bool = false)
        throws(StoreError)
    {
        self.path = path
        self.mode = mode
        let pending: [Migration]
        var existing = false
        var finding = try StoreProbe.inspect(path)
        if mode == .readWrite, finding == .absent || finding == .emptyFile {
            // Built under a temporary name and linked into place: a kill never leaves half a database.
            try Store.create(at: path, replacingEmptyFile: finding == .emptyFile)
            finding = try StoreProbe.inspect(path)
        }
        switch finding {
        case .absent, .emptyFile, .empty:
            guard mode == .readWrite else { throw .missingDatabase(path: path) }
            pending = Migration.all
        case .kvlab(let applied):
            existing = true
            pending = try Migrator.pending(applied: applied, path: path)
            if mode == .readOnly, !pending.isEmpty {
                throw .outdatedSchema(path: path, applied: applied.last?.version ?? 0, required: Store.schemaVersion)
            }
            if mode == .readWrite, !FileManager.default.isWritableFile(atPath: path) {
                // SQLite's own words would be "attempt to write a readonly database".
                throw .cannotOpen(
                    path: path,
                    reason: "the file is read-only and this command writes to it; make it writable (chmod u+w, or "
                        + "chattr -i for an immutable file), or use a command that only reads (status, sql, verify)")
            }
        }
        if mode == .readWrite, existing, checkSchema {
            // Before the writable pool: opening one writes (GRDB starts the WAL by creating and dropping a
            // table), and a database refused for writing is left byte for byte as it was.
            try Store.refuseDamageBeforeWriting(path: path, checkPages: checkPages)
        }
        pool = try Store.openPool(path: path, mode: mode)
        if checkSchema, existing {
            // Commands read rows by column name, which traps on a missing column: refuse a damaged schema
            // up front (`kvlab verify` opens with checkSchema: false and reports the details). The migrations
            // are read again in the snapshot of the schema: another process may have applied some since the
            // probe (0004 alters a table, so the probe's list would expect its old SQL).
            let damage: [String]
            do {
                damage = try pool.read { db in
                    try Store.schemaDamage(db, applied: Set(Migrator.applied(db).map(\.version)))
                }
            } catch {
                throw .cannotOpen(path: path, reason: Store.reason(error))
            }
            if !damage.isEmpty {
                throw .inconsistent(
                    "\(path): the database schema is damaged (\(damage.prefix(3).joined(separator: "; "))"
                        + (damage.count > 3 ? "; …" : "") + "); nothing was read or written. Run `kvlab verify --db "
                        + "\(path)` for details and restore the file from a copy")
            }
        }
        guard mode == .readWrite else { return }
        Store.removeAbandonedCreations(at: path)
        do {
            if !pending.isEmpty { try Migrator.migrate(pool, path: path) }
            try ReferenceData.sync(pool)
        } catch {
            throw Store.typedError(error)
        }
    }

    /// The checks before a writable open of an existing database, on a read-only connection (nothing is
    /// written when one fails):
    /// - with `checkPages`, SQLite's page-level check, `PRAGMA quick_check` (every b-tree page, cell and
    ///   record, without comparing indexes with their tables). Its cost grows with the file: about 0.3 s for
    ///   a 130 MB database and 3 s for a 240 MB one of 10^6 planned runs with a warm page cache, several times
    ///   that cold; `kvlab run` asks for it, and `--no-page-check` skips it;
    /// - the reference tables (`t_quantiles`, `metrics`, the rows migrations insert) must hold what this
    ///   kvlab defines: the writable open would rewrite an edited quantile, and the damage would be hidden
    ///   from `kvlab verify`. A metric added or reworded since, or a quantile an earlier build computed to
    ///   within rounding, is an upgrade, not damage (``referenceTableProblems(_:beforeWriting:problem:)``).
    ///   It reads about a thousand rows.
    ///
    /// - Throws: ``StoreError/inconsistent(_:)`` naming the first findings.
    static func refuseDamageBeforeWriting(path: String, checkPages: Bool) throws(StoreError) {
        let advice =
            "so nothing was written. Run `kvlab verify --db \(path)` for details and restore the file from a copy"
        let reader = try openPool(path: path, mode: .readOnly)
        defer { try? reader.close() }
        var pages: [String] = []
        var problems: [String] = []
        do {
            try reader.read { db in
                if checkPages {
                    do {
                        pages = try String.fetchAll(db, sql: "PRAGMA quick_check").filter { $0 != "ok" }
                    } catch let error as DatabaseError
                        where error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
                    {
                        pages = [error.message ?? "\(error.resultCode)"]
                    }
                    if !pages.isEmpty { return }
                }
                // A damaged schema is refused after the open, with its own message (rows are read by column name).
                guard try schemaDamage(db, applied: Set(Migrator.applied(db).map(\.version))).isEmpty else { return }
                _ = try referenceTableProblems(db, beforeWriting: true) { problems.append($0) }
            }
        } catch {
            // A page SQLite cannot read makes reading fail at the end of the snapshot too: the findings stand.
            if pages.isEmpty, problems.isEmpty { throw typedError(error) }
        }
        func list(_ lines: [String], _ count: Int) -> String {
            lines.prefix(count).joined(separator: "; ") + (lines.count > count ? "; …" : "")
        }
        if !pages.isEmpty {
            throw .inconsistent(
                "\(path): SQLite's page check (PRAGMA quick_check) found damage (\(list(pages, 2))), " + advice)
        }
        if !problems.isEmpty {
            throw .inconsistent(
                "\(path): the reference tables differ from this kvlab's (\(list(problems, 3))); writing would "
                    + "hide the damage, " + advice)
        }
    }

    /// Opens the GRDB pool, waiting out a concurrent process that is switching a new file to WAL.
    ///
    /// A writable pool runs `PRAGMA journal_mode = WAL`. On a file another process is creating at the same
    /// moment, SQLite answers SQLITE_BUSY at once, without calling the busy handler: the pragma already
    /// holds a read lock and waiting could deadlock. Retrying after a short pause is safe (the pragma
    /// changes nothing until it succeeds) and ends when the other process has finished its switch.
    ///
    /// - Throws: ``StoreError/cannotOpen(path:reason:)`` on any other error, or when SQLite is still busy
    ///   after ``busyTimeout`` seconds.
    static func openPool(path: String, mode: Mode) throws(StoreError) -> DatabasePool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(busyTimeout))
        var pause: TimeInterval = 0.002
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration(mode))
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && clock.now < deadline {
                Thread.sleep(forTimeInterval: pause)
                pause = min(pause * 2, 0.1)
            } catch {
                throw .cannotOpen(path: path, reason: reason(error))
            }
        }
    }

    /// The GRDB configuration of kvlab connections.
    static func configuration(_ mode: Mode) -> Configuration {
        var configuration = Configuration()
        configuration.readonly = mode == .readOnly
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "kvlab"
        configuration.prepareDatabase { db in
            // GRDB gives read-only connections a 10 s busy timeout; this runs after it and applies to all.
            try db.execute(sql: "PRAGMA busy_timeout = \(Int(busyTimeout * 1000))")
            try SQLGuard.harden(db)
            SQLFunctions.register(on: db)
        }
        return configuration
    }

    /// Runs read-only work in one snapshot (a deferred transaction on a read-only connection).
    ///
    /// - Parameter body: the work; it may throw any error.
    /// - Returns: the body's result.
    /// - Throws: the body's error, with GRDB's `DatabaseError` mapped to ``StoreError/sql(message:statement:)``.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch {
            throw Store.storeError(error)
        }
    }

    /// Runs work in one `BEGIN IMMEDIATE` transaction on the writer connection, committed when the body
    /// returns and rolled back when it throws.
    ///
    /// - Parameter body: the work; it may throw any error.
    /// - Returns: the body's result.
    /// - Throws: the body's error, with GRDB's `DatabaseError` mapped to ``StoreError/sql(message:statement:)``.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch {
            throw Store.storeError(error)
        }
    }

    /// Copies the WAL into the database file and truncates it (docs/architecture.md: a sweep ends with a checkpoint).
    ///
    /// Best effort under concurrency: when another connection is checkpointing (SQLite then answers
    /// SQLITE_BUSY at once, without waiting) or readers keep using the WAL, the committed data stays in the
    /// WAL, as safe as in the file, and a later checkpoint copies it; that is not an error.
    ///
    /// - Throws: ``StoreError/sql(message:statement:)`` on failure.
    public func checkpoint() throws(StoreError) {
        do {
            _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
        {
            return
        } catch {
            throw Store.typedError(error)
        }
    }

    /// Closes every connection; the store cannot be used afterwards.
    ///
    /// - Throws: ``StoreError/sql(message:statement:)`` when a connection cannot be closed.
    public func close() throws(StoreError) {
        do {
            try pool.close()
        } catch {
            throw Store.typedError(error)
        }
    }

    /// The migrations recorded in the database, in order.
    public func appliedMigrations() throws -> [AppliedMigration] {
        try read { db in try Migrator.applied(db) }
    }

    /// Now, as Unix epoch seconds (the timestamp format of every table).
    public static func now() -> Double { Date().timeIntervalSince1970 }

    /// Maps an error to ``StoreError`` where it is SQLite's; other errors are returned unchanged.
    static func storeError(_ error: any Error) -> any Error {
        if let error = error as? DatabaseError, error.resultCode == .SQLITE_FULL {
            // Which statement met the full disk (often GRDB's COMMIT) says nothing useful; what to do does.
            return StoreError.sql(
                message: "database or disk is full: the filesystem holding the database (or its -wal file, or "
                    + "SQLite's temporary files) has no space left; what was committed before is kept. Free space "
                    + "and run the command again (kvlab run resumes where it stopped)",
                statement: nil)
        }
        if let error = error as? DatabaseError {
            return StoreError.sql(message: error.message ?? "\(error.resultCode)", statement: error.sql)
        }
        return error
    }

    /// Maps any error to ``StoreError`` (for APIs with typed throws).
    static func typedError(_ error: any Error) -> StoreError {
        switch storeError(error) {
        case let error as StoreError: return error
        case let other: return .sql(message: "\(other)", statement: nil)
        }
    }

    /// A short reason for an open failure.
    static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }
}
