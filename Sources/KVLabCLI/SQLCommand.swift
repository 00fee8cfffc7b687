import ArgumentParser
import ExperimentStore
import Foundation

/// `kvlab sql`: ad-hoc SQL on the database, read-only unless `--write`.
struct SQLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Run ad-hoc SQL on the database (read-only unless --write).",
        discussion: """
            The SQL runs in one snapshot on a read-only connection (PRAGMA query_only); statements that would \
            write are refused unless --write, which runs them all in one transaction. kvlab's functions are \
            available: stddev, variance, median, percentile(x, p), normal_cdf, normal_quantile, t_cdf, \
            t_quantile. Tables and views: docs/SCHEMA.md. Output is the rows of the last statement that \
            returns rows.
            Example: kvlab sql "SELECT scheme, bits, avg(kl) FROM trials_wide WHERE bits = :bits \
            GROUP BY 1, 2" --param bits=4 --format json
            """
    )

    /// The SQL text, unless `--file`.
    @Argument(help: "SQL: one or more statements separated by ';'.")
    var query: String?

    /// A file holding the SQL.
    @Option(help: ArgumentHelp("Read the SQL from a file instead.", valueName: "file"), completion: .file())
    var file: String?

    /// `NAME=VALUE` parameter bindings.
    @Option(
        name: .customLong("param"),
        help: ArgumentHelp(
            "Bind :NAME to VALUE (an integer, else a decimal number, else text; 'quoted' stays text). Repeatable.",
            valueName: "NAME=VALUE"))
    var params: [String] = []

    /// Allow statements that write.
    @Flag(help: "Allow statements that modify the database (all run in one transaction).")
    var write = false

    /// `--attach`: allow ATTACH of other database files.
    @Flag(help: "Allow ATTACH of other database files (refused otherwise; see docs/security.md).")
    var attach = false

    /// `--timeout`: stop the query after this many seconds.
    @Option(help: ArgumentHelp("Stop the query after this many seconds (0: no limit).", valueName: "seconds"))
    var timeout: Int = Int(Store.userSQLTimeLimit.components.seconds)

    /// The output format.
    @Option(help: "Output format: table, csv, tsv, json, ndjson or markdown.")
    var format: TableFormat = .table

    /// `--digits`.
    @OptionGroup var digits: DigitsOptions

    /// `--db`.
    @OptionGroup var database: DatabaseOptions

    /// Requires exactly one source of SQL.
    func validate() throws {
        if (query == nil) == (file == nil) {
            throw ValidationError("give the SQL either as an argument or with --file, not both or neither")
        }
        if timeout < 0 { throw ValidationError("--timeout must be ≥ 0 (0: no limit)") }
    }

    /// Opens the database, runs the SQL and prints its rows.
    func run() async throws {
        try await reportingErrors {
            let sql = try loadSQL()
            let parameters = try SQLCommand.parse(params: params)
            let store = try database.openExisting(write ? .readWrite : .readOnly)
            let result = try store.execute(
                sql: sql, parameters: parameters, allowWrites: write, allowAttach: attach,
                timeLimit: timeout == 0 ? nil : .seconds(timeout))
            let text = TableOutput.render(result, format: format, digits: digits.digits)
            if !text.isEmpty { print(text) }
            if write { Console.note("\(result.changes) row\(result.changes == 1 ? "" : "s") changed") }
        }
    }

    /// The SQL text from the argument or the file.
    private func loadSQL() throws -> String {
        if let query { return query }
        guard let file else { return "" }
        do {
            return try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw CLIError.badInput("cannot read \(file): \(FileErrorText.reason(error))")
        }
    }

    /// Parses `NAME=VALUE` options into typed values (see ``SQLValue/parse(_:)``).
    ///
    /// - Throws: ``CLIError`` (exit 2) for a malformed or repeated name.
    static func parse(params: [String]) throws -> [String: SQLValue] {
        var values: [String: SQLValue] = [:]
        for param in params {
            guard let equals = param.firstIndex(of: "="), equals != param.startIndex else {
                throw CLIError.badInput("--param \(param): expected NAME=VALUE")
            }
            var name = String(param[..<equals])
            if let first = name.first, ":@$".contains(first) { name.removeFirst() }
            guard !name.isEmpty, values[name] == nil else {
                throw CLIError.badInput("--param \(param): the name is empty or given twice")
            }
            values[name] = SQLValue.parse(String(param[param.index(after: equals)...]))
        }
        return values
    }
}
