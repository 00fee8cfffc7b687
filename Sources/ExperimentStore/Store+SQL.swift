import Foundation
import GRDB
import GRDBSQLite

extension Store {
    /// Runs ad-hoc SQL (one or more statements) with named parameters: the engine of `kvlab sql`.
    ///
    /// The SQL runs on the guarded connection of ``SQLGuard`` (threat model: `docs/security.md`). Without
    /// `allowWrites`: one snapshot on a read-only connection that may only read the database's own tables
    /// and views, and any statement SQLite does not report as read-only (`sqlite3_stmt_readonly`) is refused
    /// before it runs. With `allowWrites` (and a store opened read-write) the statements run in one
    /// `BEGIN IMMEDIATE` transaction, rolled back on any error. Either way ATTACH (unless `allowAttach`), transaction statements,
    /// disabled functions (`fts3_tokenizer`, `load_extension`…) and pragmas that set values are refused, and
    /// the call stops at `timeLimit`.
    ///
    /// Parameters bind to `:NAME`, `@NAME` or `$NAME`; values are bound, never spliced into the SQL.
    ///
    /// - Parameters:
    ///   - sql: the statements.
    ///   - parameters: values by name (a leading `:`, `@` or `$` is ignored).
    ///   - allowWrites: run in a write transaction instead of read-only.
    ///   - allowAttach: allow ATTACH (and reading the attached databases).
    ///   - timeLimit: the longest the call may run; nil for no limit.
    /// - Returns: the rows of the last statement that returns rows.
    /// - Throws: ``StoreError/invalidSQL(message:statement:)`` (a plain SQL error: syntax, unknown names, bad
    ///   values), ``StoreError/sql(message:statement:)`` (other SQLite errors: I/O, constraints…),
    ///   ``StoreError/writeRefused(statement:)``, ``StoreError/notAllowed(_:)``, ``StoreError/timeLimit(seconds:)``,
    ///   ``StoreError/missingParameter(name:)``, ``StoreError/unusedParameter(name:)``,
    ///   ``StoreError/invalidParameter(_:)``.
    public func execute(
        sql: String, parameters: [String: SQLValue] = [:], allowWrites: Bool = false, allowAttach: Bool = false,
        timeLimit: Duration? = Store.userSQLTimeLimit
    ) throws -> QueryResult {
        var named: [String: SQLValue] = [:]
        for (name, value) in parameters {
            var key = Substring(name)
            if let first = key.first, ":@$".contains(first) { key = key.dropFirst() }
            guard !key.isEmpty else { throw StoreError.invalidParameter("empty parameter name") }
            // Text is bound as a C string: a NUL byte would silently cut the value short.
            if case .text(let text) = value, text.utf8.contains(0) {
                throw StoreError.invalidParameter(":\(key) contains a NUL byte; pass binary data as a blob")
            }
            named[String(key)] = value
        }
        if allowWrites {
            guard mode == .readWrite else {
                throw StoreError.writeRefused(statement: sql)
            }
            return try writeUntrusted(timeLimit: timeLimit, attach: allowAttach) { db in
                try Store.run(sql: sql, parameters: named, readOnly: false, in: db)
            }
        }
        return try readUntrusted(timeLimit: timeLimit, attach: allowAttach) { db in
            try Store.run(sql: sql, parameters: named, readOnly: true, in: db)
        }
    }

    /// Prepares and runs each statement in turn. A plain SQL error (SQLITE_ERROR, not a refusal of the
    /// guard) is the user's mistake: ``StoreError/invalidSQL(message:statement:)``, a misspelt column with
    /// the nearest column of the database's tables and views (`no such column: distrbution; did you mean
    /// distribution?`).
    private static func run(
        sql: String, parameters: [String: SQLValue], readOnly: Bool, in db: Database
    ) throws -> QueryResult {
        do {
            return try runStatements(sql: sql, parameters: parameters, readOnly: readOnly, in: db)
        } catch let error as DatabaseError
            where error.resultCode == .SQLITE_ERROR && error.message?.hasPrefix("not authorized") != true
        {
            let message = error.message ?? "\(error.resultCode)"
            let hint = unknownColumn(in: message) == nil ? nil : try columnHint(message, among: allColumns(in: db))
            throw StoreError.invalidSQL(message: message + (hint ?? ""), statement: error.sql)
        }
    }

    /// The statements of ``run(sql:parameters:readOnly:in:)``, one after the other.
    private static func runStatements(
        sql: String, parameters: [String: SQLValue], readOnly: Bool, in db: Database
    ) throws -> QueryResult {
        var used = Set<String>()
        var result = QueryResult(columns: [], rows: [], changes: 0)
        let before = db.totalChangesCount
        let statements = try db.allStatements(sql: sql)
        while let statement = try statements.next() {
            if readOnly, !statement.isReadonly { throw StoreError.writeRefused(statement: statement.sql) }
            var arguments: [String: DatabaseValue] = [:]
            for name in parameterNames(statement) {
                guard let name else {
                    throw StoreError.invalidParameter("positional ? parameters are not supported; use :name")
                }
                guard let value = parameters[name] else { throw StoreError.missingParameter(name: name) }
                arguments[name] = value.databaseValue
                used.insert(name)
            }
            try statement.setArguments(StatementArguments(arguments))
            if statement.columnCount > 0 {
                let columns = statement.columnNames
                var rows: [[SQLValue]] = []
                let cursor = try Row.fetchCursor(statement)
                while let row = try cursor.next() {
                    rows.append((0..<columns.count).map { SQLValue(row[$0] as DatabaseValue) })
                }
                result.columns = columns
                result.rows = rows
            } else {
                try statement.execute()
            }
        }
        if let unused = parameters.keys.sorted().first(where: { !used.contains($0) }) {
            throw StoreError.unusedParameter(name: unused)
        }
        result.changes = db.totalChangesCount - before
        return result
    }

    /// The parameter names of a statement without their `:`/`@`/`$` prefix; nil for a positional `?`.
    private static func parameterNames(_ statement: Statement) -> [String?] {
        let count = sqlite3_bind_parameter_count(statement.sqliteStatement)
        guard count > 0 else { return [] }
        return (1...count).map { index in
            guard let name = sqlite3_bind_parameter_name(statement.sqliteStatement, index) else { return nil }
            return String(String(cString: name).dropFirst())
        }
    }
}

extension SQLValue {
    /// Converts a GRDB value (used by every module that reads rows into ``SQLValue``).
    public init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let i): self = .integer(i)
        case .double(let d): self = .real(d)
        case .string(let s): self = .text(s)
        case .blob(let data): self = .blob(Array(data))
        }
    }

    /// The GRDB value to bind.
    public var databaseValue: DatabaseValue {
        switch self {
        case .null: return .null
        case .integer(let i): return i.databaseValue
        case .real(let d): return d.databaseValue
        case .text(let s): return s.databaseValue
        case .blob(let bytes): return Data(bytes).databaseValue
        }
    }
}
