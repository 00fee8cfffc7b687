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
            throw .cannotOpen(path: path, reason: FileErrorText.reason(error))
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

    /// Opens the database read-only and classifies it. A read-only connection to a WAL database creates
    /// `-wal` and `-shm` files it cannot remove; when the file is refused, those it created (the `-wal` still
    /// empty) are removed, so a refusal leaves the directory as it was.
    private static func classify(_ path: String) throws(StoreError) -> Finding {
        let companions = [path + "-wal", path + "-shm"]
        let existed = companions.map { FileManager.default.fileExists(atPath: $0) }
        do {
            return try openAndClassify(path)
        } catch {
            let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
            if !existed.contains(true), walSize == 0 {
                for companion in companions { try? FileManager.default.removeItem(atPath: companion) }
            }
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            if case .cannotOpen = error, !existed[1], !FileManager.default.isWritableFile(atPath: directory) {
                // SQLite's own words ("attempt to write a readonly database", "unable to open database file")
                // do not say what is wrong.
                throw .cannotOpen(
                    path: path,
                    reason: "its directory \(directory) is read-only, and SQLite needs to create the database's "
                        + "-shm file beside it even to read a database in WAL mode (as kvlab's are); make the "
                        + "directory writable, or copy the database to a writable one")
            }
            throw error
        }
    }

    /// Opens the database read-only and classifies it (``classify(_:)``).
    private static func openAndClassify(_ path: String) throws(StoreError) -> Finding {
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
