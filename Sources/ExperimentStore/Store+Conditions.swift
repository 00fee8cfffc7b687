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
            let message = error.message ?? "\(error.resultCode)"
            var problem = message
            let prefix = "no such column: "
            if message.hasPrefix(prefix) {
                let name = String(message.dropFirst(prefix.count))
                let columns = try db.makeStatement(sql: "SELECT * FROM \(relation) LIMIT 0").columnNames
                let unqualified = String(name.split(separator: ".").last ?? Substring(name))
                if let near = Spelling.nearest(unqualified, among: columns) {
                    problem += "; did you mean \(near)?"
                } else {
                    problem += "; \(relation) has: " + columns.joined(separator: ", ")
                }
            }
            throw ConditionError(option: option, relation: relation, problem: problem)
        }
    }
}
