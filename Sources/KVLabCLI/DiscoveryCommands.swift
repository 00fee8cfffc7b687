import ArgumentParser
import ExperimentStore
import Quantization

/// `kvlab switches`: every switch with its values, default, and which configs have it (from the registry).
struct SwitchesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switches",
        abstract: "List every switch: name, role, allowed values, default, which configs have it, meaning.",
        discussion: """
            A switch is a spec key (fixed, grid, exclude), a column of configs, trials_wide and run_means, and a \
            kvlab trial option in kebab-case.
            Example: kvlab switches --format json
            """
    )

    @Option(help: "Output format: table, csv, tsv, json, ndjson or markdown.")
    var format: TableFormat = .table

    func run() throws {
        let rows: [[SQLValue]] = SwitchRegistry.all.map { s in
            [s.name, s.role.rawValue, s.values, s.defaultValue, s.appliesTo, s.help].map { .text($0) }
        }
        let result = QueryResult(
            columns: ["name", "role", "values", "default", "applies_to", "meaning"], rows: rows, changes: 0)
        print(TableOutput.render(result, format: format), terminator: "")
    }
}

/// `kvlab metrics`: every metric with its unit, direction and definition.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "List every metric: name, unit, direction (which way is better) and definition.",
        discussion: """
            One value per trial; the columns of trials_wide, the --metric of agg and compare, the keys of \
            kvlab trial --format json.
            Example: kvlab metrics --format csv
            """
    )

    @Option(help: "Output format: table, csv, tsv, json, ndjson or markdown.")
    var format: TableFormat = .table

    func run() throws {
        let rows: [[SQLValue]] = Metric.allCases.map { m in
            [m.rawValue, m.unit, m.direction.rawValue, m.summary].map { .text($0) }
        }
        let result = QueryResult(columns: ["name", "unit", "direction", "definition"], rows: rows, changes: 0)
        print(TableOutput.render(result, format: format), terminator: "")
    }
}
