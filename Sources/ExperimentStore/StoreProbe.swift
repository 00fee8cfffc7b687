import Foundation
import GRDB

/// A read-only look at a database file before kvlab opens it for writing.
///
/// The probe reads the file's header and then opens it through a read-only SQLite connection: it never
/// changes a byte of the file.
enum StoreProbe {
    /// What the probe found.
    enum Finding: Equatable {
        /// No file at the path.
        case absent
        /// A file of zero bytes: kvlab may create its database in its place.
        case emptyFile
        /// An SQLite database with no schema and no application id: kvlab may create its schema there.
        case empty
        /// A kvlab database with these migrations applied.
        case kvlab(applied: [AppliedMigration])
    }

    /// The 16 bytes every SQLite database file starts with.
    static let sqliteMagic = Array("SQLite format 3\0".utf8)

    /// Inspects a path without modifying it.
    ///
    /// - Parameter path: the database file.
    /// - Returns: what is there.
    /// - Throws: ``StoreError/notSQLite(path:)``, ``StoreError/notKVLab(path:applicationID:)`` or
    ///   ``StoreError/cannotOpen(path:reason:)``.
    static func inspect(_ path: String) throws(StoreError) -> Finding {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .absent }
        if isDirectory.boolValue { throw .cannotOpen(path: path, reason: "it is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .cannotOpen(path: path, reason: "the file cannot be read (permissions?)")
        }
        let header: [UInt8]
        do {
            header = Array(try handle.read(upToCount: 100) ?? Data())
            try handle.close()
        } catch {
            throw .cannotOpen(path: path, reason: error.localizedDescription)
        }
        if header.isEmpty, !FileManager.default.fileExists(atPath: path + "-journal"),
            !FileManager.default.fileExists(atPath: path + "-wal")
        {
            return .emptyFile
        }
        if !header.isEmpty, header.count < 100 || Array(header.prefix(16)) != sqliteMagic {
            // A first page cut short by a kill is restored from its hot journal; anything else is not SQLite.
            guard hasHotJournal(path) else { throw .notSQLite(path: path) }
            try rollBackHotJournal(path, after: "the first page is incomplete")
        }
        do {
            return try classify(path)
        } catch .cannotOpen(_, let reason) where hasHotJournal(path) {
            // A process killed inside a rollback-journal transaction (kvlab before it created databases
            // under a temporary name, or another SQLite client) left a hot journal, which a read-only
            // connection cannot roll back. Rolling it back is what any SQLite writer does first; then look again.
            try rollBackHotJournal(path, after: reason)
            return try classify(path)
        }
    }

    /// Whether a rollback journal with content lies beside the database.
    private static func hasHotJournal(_ path: String) -> Bool {
        let size = (try? FileManager.default.attributesOfItem(atPath: path + "-journal")[.size] as? Int) ?? 0
        return size > 0
    }

    /// Opens the database read-write without changing its journal mode, which makes SQLite roll back the
    /// hot journal, and closes it.
    private static func rollBackHotJournal(_ path: String, after reason: String) throws(StoreError) {
        var configuration = Configuration()
        configuration.busyMode = .timeout(Store.busyTimeout)
        configuration.label = "kvlab.recovery"
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            _ = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
        } catch {
            throw .cannotOpen(
                path: path,
                reason: "\(reason); it has an unfinished transaction (\(path)-journal) that needs write access "
                    + "to the file and its directory to be rolled back")
        }
    }

    /// Opens the database read-only and classifies it.
    private static func classify(_ path: String) throws(StoreError) -> Finding {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(Store.busyTimeout)
        configuration.label = "kvlab.probe"
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in try finding(db, path: path) }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            if error.resultCode == .SQLITE_NOTADB { throw .notSQLite(path: path) }
            throw .cannotOpen(path: path, reason: error.message ?? "\(error)")
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
    }

    /// Classifies an open database.
    private static func finding(_ db: Database, path: String) throws -> Finding {
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let objects = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
        if applicationID == 0, objects == 0 { return .empty }
        guard applicationID == Store.applicationID else {
            throw StoreError.notKVLab(path: path, applicationID: applicationID)
        }
        let applied = try Migrator.applied(db)
        // A user_version beyond this build's schema means a newer kvlab (or a tool) moved the schema on,
        // even if its migration rows are missing: never write such a file.
        let userVersion = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if userVersion > Store.schemaVersion {
            throw StoreError.newerSchema(path: path, unknownMigrations: ["user_version \(userVersion)"])
        }
        return .kvlab(applied: applied)
    }
}
