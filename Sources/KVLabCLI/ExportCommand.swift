import ArgumentParser
import ExperimentStore
import Foundation

/// `kvlab export`: a table, view or query as CSV, TSV, JSON or NDJSON with full-precision numbers, or as a
/// table or Markdown for people (rounded to `--digits`).
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a table, view or query as csv, tsv, json or ndjson (doubles in full round-trip precision).",
        discussion: """
            Numbers are formatted by kvlab (shortest round-trip decimal), not by SQLite's 15-digit text. NaN \
            metrics are stored as NULL (see trials.nan_mask) and export as empty (CSV) or null (JSON). The query \
            runs read-only in one snapshot. --format table or markdown writes for people instead, numbers rounded \
            to --digits (default 4 significant).
            Example: kvlab export --table trials_wide --format csv --out trials.csv
            """
    )

    @Option(help: ArgumentHelp("A table or view (e.g. trials_wide, run_means, cell_stats).", valueName: "name"))
    var table: String?

    @Option(help: ArgumentHelp("A read-only SQL query instead of a table.", valueName: "sql"))
    var query: String?

    @Option(
        name: .customLong("param"),
        help: ArgumentHelp("Bind :NAME in --query (as in kvlab sql). Repeatable.", valueName: "NAME=VALUE"))
    var params: [String] = []

    @Option(help: "Output format: csv, tsv, json, ndjson, table or markdown.")
    var format: TableFormat

    @OptionGroup var digits: DigitsOptions

    @Option(help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"), completion: .file())
    var out: String?

    @Flag(help: "With --out: replace an existing SQLite file (never the database being read).")
    var force = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if (table == nil) == (query == nil) { throw ValidationError("give either --table or --query") }
        if table != nil, !params.isEmpty { throw ValidationError("--param applies to --query only") }
        if force, out == nil { throw ValidationError("--force applies to --out only") }
    }

    func run() async throws {
        try await reportingErrors {
            let parameters = try SQLCommand.parse(params: params)
            let store = try database.openExisting(.readOnly)
            let sql: String
            if let table {
                let found = try store.execute(
                    sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name = :name",
                    parameters: ["name": .text(table)])
                guard !found.rows.isEmpty else {
                    let all = try store.execute(
                        sql: """
                            SELECT group_concat(name, ', ') FROM (SELECT name FROM sqlite_master
                            WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name)
                            """)
                    let names = all.rows.first.flatMap { $0.first.flatMap(TableOutput.text) } ?? ""
                    throw CLIError.badInput("--table \(table): no such table or view (tables and views: \(names))")
                }
                sql = "SELECT * FROM \"\(table.replacingOccurrences(of: "\"", with: "\"\""))\""
            } else {
                sql = query ?? ""
            }
            let result = try store.execute(sql: sql, parameters: parameters)
            var text = TableOutput.render(result, format: format, digits: digits.digits)
            if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
            if format == .json, result.rows.isEmpty, text.isEmpty { text = "[]\n" }
            if let out {
                try OutputFile(path: out, input: database.path, force: force).write(text)
                Console.note("\(result.rows.count) row\(result.rows.count == 1 ? "" : "s") written to \(out)")
            } else {
                print(text, terminator: "")
            }
        }
    }
}
