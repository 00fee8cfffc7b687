import ArgumentParser
import ExperimentStore
import Sweeps

/// `kvlab retry`: send failed runs back to pending.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Send failed runs back to pending (then `kvlab run` computes them).",
        discussion: "Example: kvlab retry --sweep paper")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only this sweep's failed runs.", completion: Completions.sweeps)
    var sweep: String?

    func run() async throws {
        try await reportingErrors {
            let store = try database.openExisting(.readWrite)
            let count = try store.write { db in
                if let sweep, try Store.sweep(named: sweep, in: db) == nil {
                    throw CLIError.badInput("no sweep named '\(sweep)' in \(database.path) (see `kvlab sweeps list`)")
                }
                return try Store.retryFailed(sweep: sweep, in: db)
            }
            print("\(count) failed runs sent back to pending; run `kvlab run --db \(database.path)` to compute them")
        }
    }
}

/// `kvlab status`: per sweep, runs by state, throughput, ETA, stale leases, errors, and the runs planned with
/// another trial count than the sweep's.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show each sweep's runs by state, throughput, ETA, stale leases and errors.",
        discussion: """
            One row per sweep and a last row (all) over every planned run. activity is active while some process \
            holds a live lease on one of the sweep's runs, else idle. running counts the runs leased to a process \
            (state running), live or not; stale_leases counts those of them whose process is gone (same host) or \
            whose lease expired: the next `kvlab run` takes them over. trials_per_s is the sweep's trials stored \
            over the time from its first start to its last finish; eta_s the time left at that rate while the \
            sweep is active (empty when idle: nothing is computing; 0 when nothing is left). errors lists up to \
            10 failed runs (see `kvlab retry`).
            Example: kvlab status --sweep paper --format json
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only this sweep.", completion: Completions.sweeps)
    var sweep: String?

    @Option(help: "Output format: table, csv, tsv, json, ndjson or markdown.")
    var format: TableFormat = .table

    @OptionGroup var digits: DigitsOptions

    func run() async throws {
        try await reportingErrors {
            let store = try database.openExisting(.readOnly)
            let host = LeaseOwner.hostName()
            let now = Store.now()
            let statuses: [SweepStatus] = try store.read { db in
                let names = try sweep.map { [$0] } ?? Store.sweepNames(in: db)
                if let sweep, try Store.sweep(named: sweep, in: db) == nil {
                    throw CLIError.badInput(
                        "no sweep named '\(sweep)' in \(database.path) (see `kvlab sweeps list`)")
                }
                var all = try names.map { try Store.sweepStatus(name: $0, now: now, host: host, in: db) }
                if sweep == nil { all.append(try Store.sweepStatus(name: nil, now: now, host: host, in: db)) }
                return all
            }
            let columns = [
                "sweep", "activity", "runs", "done", "running", "pending", "failed", "stale_leases", "trials_stored",
                "trials_planned", "trials_per_s", "eta_s", "errors", "trials_per_run", "other_trial_counts",
                "description",
            ]
            let rows: [[SQLValue]] = statuses.map { s in
                var rate: SQLValue = .null
                var eta: SQLValue = .null
                let active = s.running > s.staleLeases
                if let start = s.firstStarted, let end = s.lastFinished, end > start, s.trialsStored > 0 {
                    let r = Double(s.trialsStored) / (end - start)
                    rate = .real((r * 10).rounded() / 10)
                    if s.pending + s.running == 0 {
                        eta = .real(0)
                    } else if active {
                        eta = .real((Double(s.trialsPlanned - s.trialsStored) / r).rounded())
                    }
                }
                let errors = s.errors.map { "run \($0.runID): \($0.message)" }.joined(separator: "; ")
                return [
                    .text(s.name), .text(active ? "active" : "idle"), .integer(Int64(s.total)), .integer(Int64(s.done)),
                    .integer(Int64(s.running)),
                    .integer(Int64(s.pending)), .integer(Int64(s.failed)), .integer(Int64(s.staleLeases)),
                    .integer(Int64(s.trialsStored)), .integer(Int64(s.trialsPlanned)), rate, eta,
                    errors.isEmpty ? .null : .text(errors), s.trialsPerRun.map { .integer(Int64($0)) } ?? .null,
                    s.otherTrialCountsSummary.map { .text($0) } ?? .null, s.description.map { .text($0) } ?? .null,
                ]
            }
            print(TableOutput.render(columns: columns, rows: rows, format: format, digits: digits.digits))
        }
    }
}

/// `kvlab sweeps list|rm`.
struct SweepsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweeps", abstract: "List or remove sweeps.",
        discussion: "Example: kvlab sweeps list", subcommands: [List.self, Remove.self])

    /// `kvlab sweeps list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the sweeps: runs, done runs, trials per run, description and tags.",
            discussion: "Example: kvlab sweeps list --format csv")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Output format.")
        var format: TableFormat = .table

        func run() async throws {
            try await reportingErrors {
                let store = try database.openExisting(.readOnly)
                let result = try store.execute(
                    sql: """
                        SELECT s.name, count(sr.run_id) AS runs,
                               sum(r.state = 'done') AS done, s.trials AS trials_per_run,
                               datetime(s.created_at, 'unixepoch') AS created, s.description, s.tags
                        FROM sweeps s LEFT JOIN sweep_runs sr ON sr.sweep_id = s.id LEFT JOIN runs r ON r.id = sr.run_id
                        GROUP BY s.id ORDER BY s.id
                        """)
                print(TableOutput.render(result, format: format))
            }
        }
    }

    /// `kvlab sweeps rm NAME`.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Remove a sweep's record (its computed runs and trials are kept as results).",
            discussion: "Example: kvlab sweeps rm my-sweep")
        @Argument(help: "The sweep name.", completion: Completions.sweeps)
        var name: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await reportingErrors {
                let store = try database.openExisting(.readWrite)
                let removed = try store.write { db in try Store.removeSweep(named: name, in: db) }
                guard removed else {
                    throw CLIError.badInput("no sweep named '\(name)' in \(database.path) (see `kvlab sweeps list`)")
                }
                print("removed sweep '\(name)'")
            }
        }
    }
}
