import CSQLiteConfig
import Foundation
import GRDB
import GRDBSQLite

/// The guard around SQL that kvlab did not write: `kvlab sql`, `export --query`, every `--where`, claim
/// files. The threat model is in `docs/security.md`.
///
/// Every kvlab connection is hardened (``harden(_:)``): SQLite's defensive mode (no `writable_schema`, no
/// direct writes to shadow tables), no extension loading, and `fts3_tokenizer` replaced by a function that
/// refuses (SQLite's two-argument form installs a tokenizer from a raw pointer: a controlled indirect call).
///
/// User SQL runs on a connection of its own (``Store/readUntrusted(timeLimit:attach:_:)``), opened read-only,
/// with untrusted schema, length limits, no ATTACH, no virtual table module but the JSON table functions,
/// and an authorizer that, while a user statement is compiled, allows
/// only: SELECT, reads of the database's own tables and views (and `sqlite_schema`, `json_each`,
/// `json_tree`), functions other than the refused ones, and a list of introspection pragmas without
/// arguments. A progress handler stops a statement at its deadline.
final class SQLGuard: @unchecked Sendable {
    /// What a guarded connection may do.
    struct Policy: Hashable, Sendable {
        /// `kvlab sql --write`: also write, create and drop (still no virtual tables).
        var writes = false
        /// `kvlab sql --attach`: ATTACH other databases and read them.
        var attach = false

        /// Read the database's own objects only.
        static let readOnly = Policy()
    }

    /// Functions no user SQL may call.
    static let refusedFunctions: Set<String> = [
        "fts3_tokenizer", "load_extension", "fts5", "fts5_source_id", "readfile", "writefile", "edit",
    ]

    /// Pragmas user SQL may run, without an argument (read-only introspection).
    static let allowedPragmas: Set<String> = [
        "application_id", "collation_list", "compile_options", "data_version", "encoding", "foreign_key_check",
        "foreign_key_list", "freelist_count", "function_list", "index_info", "index_list", "index_xinfo",
        "integrity_check", "journal_mode", "page_count", "page_size", "pragma_list", "quick_check",
        "schema_version", "table_info", "table_list", "table_xinfo", "user_version",
    ]

    /// Pragmas whose single argument names an object (not a new value): allowed with it.
    static let objectPragmas: Set<String> = [
        "foreign_key_check", "foreign_key_list", "index_info", "index_list", "index_xinfo", "integrity_check",
        "quick_check", "table_info", "table_xinfo", "table_list",
    ]

    /// Eponymous virtual tables user SQL may not read even with `--write`.
    static let closedTables: Set<String> = ["dbstat", "sqlite_dbpage", "sqlite_stmt", "fts3tokenize"]

    /// Longest string or blob a user statement may build (bytes).
    static let maxLength: Int32 = 256 << 20

    /// Longest SQL text of one call (bytes).
    static let maxSQLLength: Int32 = 4 << 20

    private let lock = NSLock()
    private let policy: Policy
    private var enforcing = false
    private var deadline: ContinuousClock.Instant?
    private var known: Set<String> = []
    /// The temporary views kvlab made on the connection before the user SQL (a run scope's).
    private var knownTemporary: Set<String> = []
    private var denial: String?

    /// A guard with a policy; install it with ``install(on:)``.
    init(policy: Policy) {
        self.policy = policy
    }

    /// Hardens any kvlab connection: defensive mode, no extension loading, `fts3_tokenizer` refused.
    ///
    /// - Parameter db: a connection being prepared (`Configuration.prepareDatabase`).
    static func harden(_ db: Database) throws {
        let connection = db.sqliteConnection
        let options: [(Int32, Int32)] = [(SQLITE_DBCONFIG_DEFENSIVE, 1), (SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0)]
        for (option, value) in options {
            var now: Int32 = -1
            let code = kvlab_sqlite_db_config_flag(connection, option, value, &now)
            guard code == SQLITE_OK, now == value else {
                throw DatabaseError(message: "cannot harden the SQLite connection (db_config \(option): \(code))")
            }
        }
        for arity in [1, 2, 3] {
            db.add(
                function: DatabaseFunction("fts3_tokenizer", argumentCount: arity, pure: false) { _ in
                    throw DatabaseError(message: "fts3_tokenizer is disabled in kvlab")
                })
        }
    }

    /// Installs the guard's authorizer, limits and progress handler on a connection of its own.
    ///
    /// This replaces GRDB's authorizer on that connection, which GRDB uses only for change observation:
    /// the connection must serve user SQL only.
    func install(on db: Database) throws {
        let connection = db.sqliteConnection
        var now: Int32 = -1
        guard kvlab_sqlite_db_config_flag(connection, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &now) == SQLITE_OK else {
            throw DatabaseError(message: "cannot turn off trusted_schema")
        }
        if !policy.writes { try db.execute(sql: "PRAGMA query_only = 1") }
        // Only the JSON table functions stay: no FTS3/4/5 (whose tokenizers are the pointer attack's target),
        // R*Tree, dbstat (raw pages) or statement tables, whatever the SQL and even with --attach.
        let keep: [UnsafeMutablePointer<CChar>?] = ["json_each", "json_tree"].map { name in
            name.withCString { strdup($0) }
        }
        defer { for name in keep { free(name) } }
        var list: [UnsafePointer<CChar>?] = keep.map { $0.map { UnsafePointer($0) } } + [nil]
        guard list.withUnsafeMutableBufferPointer({ sqlite3_drop_modules(connection, $0.baseAddress) }) == SQLITE_OK
        else { throw DatabaseError(message: "cannot drop the virtual table modules") }
        sqlite3_limit(connection, SQLITE_LIMIT_ATTACHED, policy.attach ? 10 : 0)
        sqlite3_limit(connection, SQLITE_LIMIT_LENGTH, Self.maxLength)
        sqlite3_limit(connection, SQLITE_LIMIT_SQL_LENGTH, Self.maxSQLLength)
        let me = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_set_authorizer(
            connection,
            { context, action, first, second, database, _ in
                Unmanaged<SQLGuard>.fromOpaque(context!).takeUnretainedValue().authorize(
                    action, first.map { String(cString: $0) }, second.map { String(cString: $0) },
                    database.map { String(cString: $0) })
            }, me)
        sqlite3_progress_handler(
            connection, 4096,
            { context in Unmanaged<SQLGuard>.fromOpaque(context!).takeUnretainedValue().isPastDeadline ? 1 : 0 },
            me)
    }

    /// Runs `body` with the guard enforcing on `db`: the statements it compiles are authorized by the
    /// policy, and it stops at `timeLimit`.
    ///
    /// - Parameters:
    ///   - db: the guarded connection.
    ///   - timeLimit: the longest the body may run (nil: no limit).
    ///   - body: the work.
    /// - Throws: ``StoreError/notAllowed(_:)`` for a refused statement, ``StoreError/timeLimit(seconds:)``,
    ///   or the body's error.
    func enforcing<T>(on db: Database, timeLimit: Duration?, _ body: () throws -> T) throws -> T {
        let names = try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view')")
        // Temporary views are kvlab's own: those of a run scope (``Store/installScope(_:in:)``).
        let scoped = try String.fetchAll(db, sql: "SELECT name FROM temp.sqlite_schema WHERE type = 'view'")
        lock.withLock {
            knownTemporary = Set(scoped.map { $0.lowercased() })
            known = Set(names.map { $0.lowercased() })
                .union(["sqlite_schema", "sqlite_master", "json_each", "json_tree"])
                .union(Self.allowedPragmas.map { "pragma_" + $0 })
            enforcing = true
            denial = nil
            deadline = timeLimit.map { ContinuousClock.now.advanced(by: $0) }
        }
        defer {
            lock.withLock {
                enforcing = false
                deadline = nil
            }
        }
        do {
            return try body()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_AUTH || lock.withLock({ denial }) != nil {
            // SQLite reports some denials as plain SQLITE_ERROR ("not authorized to use function: …").
            throw StoreError.notAllowed(lock.withLock { denial } ?? (error.message ?? "not authorized"))
        } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT && timeLimit != nil {
            throw StoreError.timeLimit(seconds: Double(timeLimit!.components.seconds))
        }
    }

    /// The reason of the last refusal, cleared as it is read (for callers that catch the SQL error
    /// themselves, such as a claim's evaluation).
    func takeRefusal() -> String? {
        lock.withLock {
            defer { denial = nil }
            return denial
        }
    }

    /// Whether the running statement has passed its deadline.
    private var isPastDeadline: Bool {
        lock.withLock { deadline.map { ContinuousClock.now >= $0 } ?? false }
    }

    /// The authorizer: SQLITE_OK, or SQLITE_DENY with the reason kept for the error message.
    private func authorize(_ action: Int32, _ first: String?, _ second: String?, _ database: String?) -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        guard enforcing else { return SQLITE_OK }
        if let reason = reasonToDeny(action, first, second, database) {
            denial = reason
            return SQLITE_DENY
        }
        return SQLITE_OK
    }

    /// Why an action is refused, or nil when it is allowed.
    private func reasonToDeny(_ action: Int32, _ first: String?, _ second: String?, _ database: String?) -> String? {
        switch action {
        case SQLITE_SELECT, SQLITE_RECURSIVE:
            return nil
        case SQLITE_UPDATE where first == "sqlite_master" && database == "main":
            // SQLite asks this before it instantiates an eponymous virtual table (json_each, pragma_…);
            // nothing is written (the connection is read-only or defensive), and which tables may then be
            // read is decided by SQLITE_READ.
            return nil
        case SQLITE_READ:
            let table = (first ?? "").lowercased()
            // No schema: a common table expression or subquery of the statement itself.
            if database == nil { return nil }
            if database == "main", known.contains(table) { return nil }
            if database == "temp", knownTemporary.contains(table) { return nil }
            // With --write, tables the same call created are the database's own too; eponymous virtual
            // tables that expose pages or statements stay closed.
            if policy.writes, database == "main", !Self.closedTables.contains(table) { return nil }
            if policy.attach, database != "main", database != "temp" { return nil }
            return "reading \(first ?? "?") is not allowed: user SQL reads the database's own tables and views"
        case SQLITE_FUNCTION:
            let name = (second ?? "").lowercased()
            return Self.refusedFunctions.contains(name) ? "the SQL function \(name) is disabled in kvlab" : nil
        case SQLITE_PRAGMA:
            let name = (first ?? "").lowercased()
            guard Self.allowedPragmas.contains(name) || name == "query_only" else {
                return "PRAGMA \(name) is not allowed in user SQL (allowed: "
                    + Self.allowedPragmas.sorted().joined(separator: ", ") + ")"
            }
            if let argument = second {
                if name == "query_only", ["1", "on", "true", "yes"].contains(argument.lowercased()) { return nil }
                if Self.objectPragmas.contains(name) { return nil }
                return "PRAGMA \(name) may only be read in user SQL, not set"
            }
            return nil
        case SQLITE_ATTACH, SQLITE_DETACH:
            guard policy.attach else {
                return "ATTACH and DETACH are not allowed in user SQL unless asked for (kvlab sql --attach)"
            }
            return nil
        case SQLITE_TRANSACTION, SQLITE_SAVEPOINT:
            return "transaction statements are not allowed in user SQL; kvlab runs it in one transaction"
        case SQLITE_CREATE_VTABLE, SQLITE_DROP_VTABLE:
            return "virtual tables cannot be created or dropped from user SQL"
        default:
            guard policy.writes else {
                return "this statement would change the database; add --write to allow changes"
            }
            return nil
        }
    }
}
