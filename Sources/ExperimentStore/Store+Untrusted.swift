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
    ///   - body: the work; every statement it compiles is checked.
    /// - Returns: the body's result.
    /// - Throws: ``StoreError/notAllowed(_:)``, ``StoreError/timeLimit(seconds:)``, the body's error, with
    ///   GRDB's `DatabaseError` mapped to ``StoreError/sql(message:statement:)``.
    public func readUntrusted<T>(
        timeLimit: Duration? = Store.userSQLTimeLimit, attach: Bool = false, _ body: (Database) throws -> T
    ) throws -> T {
        try guarded(.init(attach: attach), .deferred, timeLimit: timeLimit, body)
    }

    /// Runs user SQL that may write (`kvlab sql --write`) in one `BEGIN IMMEDIATE` transaction on a guarded
    /// read-write connection: writes are allowed, ATTACH, virtual tables and refused functions are not.
    func writeUntrusted<T>(timeLimit: Duration?, attach: Bool, _ body: (Database) throws -> T) throws -> T {
        try guarded(.init(writes: true, attach: attach), .immediate, timeLimit: timeLimit, body)
    }

    /// Runs `body` in one transaction of `kind` on the guarded connection of `policy`, the guard enforcing
    /// while it runs (and not during the transaction's own BEGIN and COMMIT).
    private func guarded<T>(
        _ policy: SQLGuard.Policy, _ kind: Database.TransactionKind, timeLimit: Duration?,
        _ body: (Database) throws -> T
    ) throws -> T {
        let (queue, sqlGuard) = try untrusted.connection(path: path, policy: policy)
        do {
            return try queue.inDatabase { db in
                var result: T?
                try db.inTransaction(kind) {
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
