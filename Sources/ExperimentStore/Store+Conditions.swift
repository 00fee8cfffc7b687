import GRDB

extension Store {
    /// Checks a user's SQL condition (`--where`) on a table or view and counts the rows it keeps: the one
    /// check of every command that takes a condition, so a mistake reads the same everywhere. Run it inside
    /// ``readUntrusted(timeLimit:attach:_:)`` (the condition is user SQL).
    ///
    /// - Parameters:
    ///   - condition: the SQL condition.
    ///   - relation: the table or view it filters (kvlab's own name, not user input).
    ///   - alias: the name the condition may qualify columns with (e.g. `p` for `p.bits`), if any.
    ///   - option: the option that gave it, for messages.
    ///   - db: a connection of ``readUntrusted(timeLimit:attach:_:)``.
    /// - Returns: the number of rows of `relation` the condition keeps.
    /// - Throws: ``ConditionError`` naming the problem: an unknown column with the nearest real one
    ///   (`no such column: distrbution; did you mean distribution?`) or a syntax error; the guard's
    ///   ``StoreError`` for a refused construct or the time limit.
    public static func checkCondition(
        _ condition: String, on relation: String, alias: String? = nil, option: String = "--where", in db: Database
    ) throws -> Int {
        let source = relation + (alias.map { " AS \($0)" } ?? "")
        do {
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM \(source) WHERE (\(condition)\n)") ?? 0
        } catch let error as DatabaseError
            where error.resultCode == .SQLITE_ERROR && error.message?.hasPrefix("not authorized") != true
        {
            // (A refusal of the guard, an interrupt or an I/O error goes on to the guard's own mapping.)
            var problem = error.message ?? "\(error.resultCode)"
            if unknownColumn(in: problem) != nil {
                let columns = try db.makeStatement(sql: "SELECT * FROM \(relation) LIMIT 0").columnNames
                problem +=
                    columnHint(problem, among: columns) ?? "; \(relation) has: " + columns.joined(separator: ", ")
            }
            throw ConditionError(option: option, relation: relation, problem: problem)
        }
    }

    /// The column SQLite's message says does not exist (`no such column: p.bitz` → `bitz`), if it says so.
    static func unknownColumn(in message: String) -> String? {
        let prefix = "no such column: "
        guard message.hasPrefix(prefix) else { return nil }
        let name = message.dropFirst(prefix.count)
        return String(name.split(separator: ".").last ?? name)
    }

    /// `; did you mean NAME?` for SQLite's `no such column` message when one of `columns` is near the
    /// misspelt name (``Spelling/nearest(_:among:)``); nil otherwise.
    static func columnHint(_ message: String, among columns: [String]) -> String? {
        guard let name = unknownColumn(in: message), let near = Spelling.nearest(name, among: columns) else {
            return nil
        }
        return "; did you mean \(near)?"
    }

    /// The columns of every table and view of the database (deduplicated, in schema order), for suggestions.
    static func allColumns(in db: Database) throws -> [String] {
        let relations = try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'")
        var seen = Set<String>()
        return try relations.flatMap { name in
            try db.makeStatement(sql: "SELECT * FROM \"\(name)\" LIMIT 0").columnNames
        }.filter { seen.insert($0).inserted }
    }
}
