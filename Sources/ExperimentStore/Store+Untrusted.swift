import Foundation
import GRDB

extension Store {
    /// How long user SQL may run by default (one call of ``execute(sql:parameters:allowWrites:timeLimit:)``
    /// or ``readUntrusted(timeLimit:_:)``).
    public static let userSQLTimeLimit: Duration = .seconds(600)

    /// Runs work that compiles SQL kvlab did not write (claim files, `--where` conditions) in one snapshot
    /// on the guarded read-only connection (``SQLGuard``): only reads of the database's own tables and
    /// views, no ATTACH, no refused function, and a deadline.
    ///
    /// - Parameters:
    ///   - timeLimit: the longest the work may run; nil for no limit.
    ///   - attach: allow ATTACH (and reading attached databases).
    ///   - scope: the runs the analysis views show (default: every run).
    ///   - body: the work; every statement it compiles is checked.
    /// - Returns: the body's result.
    /// - Throws: ``StoreError/notAllowed(_:)``, ``StoreError/timeLimit(seconds:)``,
    ///   ``StoreError/invalidParameter(_:)`` for a scope naming no sweep, the body's error, with GRDB's
    ///   `DatabaseError` mapped to ``StoreError/sql(message:statement:)``.
    public func readUntrusted<T>(
        timeLimit: Duration? = Store.userSQLTimeLimit, attach: Bool = false, scope: RunScope = .all,
        _ body: (Database) throws -> T
    ) throws -> T {
        try guarded(.init(attach: attach), .deferred, timeLimit: timeLimit, scope: scope, body)
    }

    /// Runs user SQL that may write (`kvlab sql --write`) in one `BEGIN IMMEDIATE` transaction on a guarded
    /// read-write connection: writes are allowed, ATTACH, virtual tables and refused functions are not.
    func writeUntrusted<T>(timeLimit: Duration?, attach: Bool, _ body: (Database) throws -> T) throws -> T {
        try guarded(.init(writes: true, attach: attach), .immediate, timeLimit: timeLimit, body)
    }

    /// Runs `body` in one transaction of `kind` on the guarded connection of `policy`, the guard enforcing
    /// while it runs (and not during the transaction's own BEGIN and COMMIT).
    private func guarded<T>(
        _ policy: SQLGuard.Policy, _ kind: Database.TransactionKind, timeLimit: Duration?, scope: RunScope = .all,
        _ body: (Database) throws -> T
    ) throws -> T {
        let (queue, sqlGuard) = try untrusted.connection(path: path, policy: policy)
        do {
            return try queue.inDatabase { db in
                var result: T?
                try db.inTransaction(kind) {
                    let scoped = try Store.installScope(scope, in: db)
                    defer { try? Store.removeScope(scoped, in: db) }
                    result = try sqlGuard.enforcing(on: db, timeLimit: timeLimit) { try body(db) }
                    return .commit
                }
                return result!
            }
        } catch {
            throw Store.storeError(error)
        }
    }
}

/// The runs the analysis views (`current_runs` and every view built on it) show to a reader.
public enum RunScope: Sendable, Equatable {
    /// Every run of the database.
    case all
    /// The runs a sweep planned (by name).
    case sweep(String)
}

extension Store {
    /// Shadows the analysis views for a scope, on one connection: a temporary `current_runs` holding the
    /// scope's runs, and a temporary copy of every other view of the database (unqualified names resolve to
    /// temporary objects first, so the copies read the restricted `current_runs`). Nothing is written to the
    /// database file.
    ///
    /// - Returns: the temporary views made (to remove with ``removeScope(_:in:)``).
    /// - Throws: ``StoreError/invalidParameter(_:)`` when the sweep does not exist.
    static func installScope(_ scope: RunScope, in db: Database) throws -> [String] {
        guard case .sweep(let name) = scope else { return [] }
        guard let sweep = try Store.sweep(named: name, in: db) else {
            let names = try Store.sweepNames(in: db)
            throw StoreError.invalidParameter(
                "no sweep named \(name) in this database (sweeps: \(names.isEmpty ? "none" : names.joined(separator: ", ")))"
            )
        }
        let views = try Row.fetchAll(
            db, sql: "SELECT name, sql FROM main.sqlite_schema WHERE type = 'view' ORDER BY rowid")
        return try withTemporaryObjects(in: db) {
            try db.execute(
                sql: """
                    CREATE TEMP VIEW current_runs AS SELECT * FROM main.current_runs
                    WHERE id IN (SELECT run_id FROM main.sweep_runs WHERE sweep_id = \(sweep.id))
                    """)
            var made = ["current_runs"]
            for view in views {
                let name: String = view[0]
                let sql: String = view[1]
                guard name != "current_runs",
                    let range = sql.range(of: "CREATE VIEW", options: [.caseInsensitive, .anchored])
                else { continue }
                try db.execute(sql: sql.replacingCharacters(in: range, with: "CREATE TEMP VIEW"))
                made.append(name)
            }
            return made
        }
    }

    /// Drops the temporary views of a scope.
    static func removeScope(_ views: [String], in db: Database) throws {
        guard !views.isEmpty else { return }
        try withTemporaryObjects(in: db) {
            for name in views.reversed() {
                try db.execute(sql: "DROP VIEW IF EXISTS temp.\(name.quotedDatabaseIdentifier)")
            }
        }
    }

    /// Runs `body` with `PRAGMA query_only` lifted (it also refuses temporary objects), restoring it after;
    /// the database file itself stays opened read-only on a read-only connection.
    private static func withTemporaryObjects<T>(in db: Database, _ body: () throws -> T) throws -> T {
        let queryOnly = try Bool.fetchOne(db, sql: "PRAGMA query_only") ?? false
        if queryOnly { try db.execute(sql: "PRAGMA query_only = 0") }
        defer { if queryOnly { try? db.execute(sql: "PRAGMA query_only = 1") } }
        return try body()
    }
}

extension Store {
    /// Why the guard refused the last statement compiled by ``readUntrusted(timeLimit:attach:_:)`` (nil
    /// when it refused none since the last call), for callers that catch SQL errors themselves.
    public func takeSQLRefusal() -> String? {
        untrusted.refusal()
    }
}

/// The guarded connections of one ``Store`` (one per policy), opened on first use and reused.
final class UntrustedConnections: @unchecked Sendable {
    private let lock = NSLock()
    private var open: [SQLGuard.Policy: (DatabaseQueue, SQLGuard)] = [:]

    /// The last refusal of the read-only guards, cleared as it is read.
    func refusal() -> String? {
        let guards = lock.withLock { open.values.map(\.1) }
        for sqlGuard in guards {
            if let reason = sqlGuard.takeRefusal() { return reason }
        }
        return nil
    }

    /// The connection for a policy, opened if needed.
    ///
    /// - Throws: ``StoreError/cannotOpen(path:reason:)``.
    func connection(path: String, policy: SQLGuard.Policy) throws(StoreError) -> (DatabaseQueue, SQLGuard) {
        lock.lock()
        defer { lock.unlock() }
        if let existing = open[policy] { return existing }
        let sqlGuard = SQLGuard(policy: policy)
        var configuration = Store.configuration(policy.writes ? .readWrite : .readOnly)
        configuration.label = "kvlab.user-sql"
        configuration.prepareDatabase { db in try sqlGuard.install(on: db) }
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            open[policy] = (queue, sqlGuard)
            return (queue, sqlGuard)
        } catch {
            throw .cannotOpen(path: path, reason: Store.reason(error))
        }
    }
}
