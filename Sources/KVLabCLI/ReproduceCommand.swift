import ArgumentParser
import Claims
import ExperimentStore
import Quantization
import Sweeps

/// `kvlab reproduce`: run sweeps/paper.yaml (resumable), then print the headline tables.
struct ReproduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Run the paper's sweep (resumable), check the claims and print the headline tables.",
        discussion: """
            Equivalent to `kvlab run paper`, then `kvlab claims check --sweep paper` (verdicts on the paper \
            sweep's runs only, printed and recorded), then the kl and k_angle tables by scheme × bits. Rerun to resume. Exits 0 when the sweep completes, whatever the \
            verdicts (a refuted claim is a finding); use `kvlab claims check` for claim exit codes in CI.
            Example: kvlab reproduce --seeds 4 --jobs 2 --digits 3
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Number of seeds (default: the spec's 10).")
    var seeds: Int?

    @Option(help: "Worker count (default: all cores).")
    var jobs: Int?

    @Flag(help: "No progress output.")
    var quiet = false

    @OptionGroup var digits: DigitsOptions

    func run() async throws {
        let watcher = SignalWatcher()
        let status = try await reportingErrors { () async throws -> ExitStatus in
            var spec = try SweepSpec.shipped(named: "paper")
            if let seeds {
                guard seeds >= 1 else { throw CLIError.badInput("--seeds: \(seeds) must be ≥ 1") }
                // Checked before the seed list is allocated (99999999999 seeds would need 800 GB).
                guard seeds <= SweepSpec.maxSeedCount else {
                    throw CLIError.badInput(
                        "--seeds: \(seeds) is more than the \(SweepSpec.maxSeedCount) seeds a sweep may have")
                }
                spec = try watcher.exitingAtOnce { try spec.replacingSeeds(Array(1...seeds)) }
            }
            let jobs = self.jobs ?? defaultJobs()
            guard jobs >= 1 else { throw CLIError.badInput("--jobs: \(jobs) must be ≥ 1") }
            let store = try database.open(.readWrite)
            let outcome = try await planAndRun(spec, store: store, jobs: jobs, watcher: watcher) { runs in
                "kvlab: paper sweep: \(runs) runs × \(spec.trials) trials → \(store.path)"
            }
            guard outcome == .ok else { return outcome }
            let claims = try ClaimLoader.load([])
            // The paper's verdicts are those of the paper sweep's runs, whatever else the database holds.
            let (report, claimStatus) = try ClaimsCommand.evaluateAndRecord(
                claims, overrides: [:], store: store, writable: true, scope: .sweep(spec.name))
            print(
                "Claims on the runs of sweep \(spec.name) (a refuted claim is a result, not an error — "
                    + "`kvlab claims check --sweep \(spec.name)` gives CI exit codes)")
            print(report.text(limit: 5, digits: digits.digits))
            for metric in ["kl", "k_angle"] {
                print("\n\(metric) by scheme × bits (mean over runs of the paper sweep; replicate = seed)")
                let result = try store.execute(sql: Self.headlineSQL(metric: metric))
                print(TableOutput.render(result, format: .table, digits: digits.digits))
            }
            let gap = try await explainGap(store: store, jobs: jobs, watcher: watcher)
            guard gap == .ok else { return gap }
            return claimStatus == .failure ? .failure : .ok
        }
        if status != .ok { throw ExitCode(status.rawValue) }
    }

    /// The command that resumes this one (both sweeps of `reproduce` resume with it).
    func resumeCommand(_ store: Store) -> String {
        var resume = "kvlab reproduce"
        if let seeds { resume += " --seeds \(seeds)" }
        if database.db != nil { resume += " --db \(store.path)" }
        return resume
    }

    /// Plans the shipped sweep `spec` into `store` (amending: a resume plans nothing new) and computes its
    /// missing trials; `note` gives the line printed once it is planned, from the number of planned runs.
    /// - Returns: `.ok` when every run finished, otherwise the status to exit with.
    func planAndRun(
        _ spec: SweepSpec, store: Store, jobs: Int, watcher: SignalWatcher, note: (Int) -> String
    ) async throws -> ExitStatus {
        let resume = resumeCommand(store)
        let runner = SweepRunner(store: store, jobs: jobs, sweep: spec.name, resumeCommand: resume)
        guard
            let planned = try runner.plan(
                spec, text: SweepSpec.shippedText(named: spec.name) ?? "", shard: .whole, amend: true,
                watcher: watcher, resumeCommand: resume)
        else { return watcher.exitStatus }
        if !quiet { Console.note(note(planned.runs)) }
        return try await runner.run(
            quiet: quiet, resumeCommand: resume, watcher: watcher, provenanceID: planned.provenanceID)
    }

    /// The paper's kl ratio QKQV/KQV at n = 4.
    static let paperRatio = 2.25

    /// The switches `sweeps/paper-gap.yaml` varies, each away from its default in one grid.
    static let gapSwitches = ["qjl", "logit_scale", "rotation", "codebook", "norms"]

    /// Runs `sweeps/paper-gap.yaml` (resumable; at most as many seeds as the paper sweep) and prints the kl
    /// ratio QKQV/KQV at n = 4 of each reading (one switch away from its default, or none) with its 95% CI,
    /// closest to the paper's 2.25 first. Its runs are a sweep of their own: the paper's verdicts never see them.
    func explainGap(store: Store, jobs: Int, watcher: SignalWatcher) async throws -> ExitStatus {
        var spec = try SweepSpec.shipped(named: "paper-gap")
        if let seeds, seeds < spec.seeds.count { spec = try spec.replacingSeeds(Array(1...seeds)) }
        let outcome = try await planAndRun(spec, store: store, jobs: jobs, watcher: watcher) { _ in
            "kvlab: the gap to the paper's ratio: sweep \(spec.name), \(spec.runCount) runs"
        }
        guard outcome == .ok else { return outcome }
        let request = try CompareRequest(metric: "kl", a: "KQV", b: "QKQV", by: Self.gapSwitches)
        let report = try CompareEngine.compare(request, in: store, scope: .sweep(spec.name))
        let defaults = Self.gapSwitches.map { SwitchRegistry[$0].defaultValue }
        let readings = report.rows.map { row -> (String, CompareRow) in
            let changed = zip(Self.gapSwitches, zip(row.group, defaults)).compactMap { name, pair -> String? in
                let value = Self.text(pair.0)
                return value == pair.1 ? nil : "\(name) = \(value)"
            }
            return (changed.isEmpty ? "defaults" : changed.joined(separator: ", "), row)
        }.sorted { abs($0.1.ratio - Self.paperRatio) < abs($1.1.ratio - Self.paperRatio) }
        print(
            "\nThe gap to the paper's kl ratio QKQV/KQV = \(Self.paperRatio) at n = 4: each reading changes one switch "
                + "(sweep \(spec.name): 8 cells of the paper grid, \(spec.seeds.count) seeds; ratio of means pooled "
                + "over cells, 95% CI by the delta method over seeds)")
        let rows: [[SQLValue]] = readings.map { label, row in
            [
                .text(label), .real(row.ratio), .real(row.ratioDeltaLow), .real(row.ratioDeltaHigh),
                .real(row.ratio - Self.paperRatio), .integer(Int64(row.n)),
            ]
        }
        print(
            TableOutput.render(
                columns: ["reading", "ratio", "ci95_low", "ci95_high", "minus_2.25", "seeds"], rows: rows,
                format: .table, digits: digits.digits))
        func shown(_ d: Double) -> Double { digits.digits.rounded(d) }
        if let (label, row) = readings.first {
            let covers = row.ratioDeltaLow <= Self.paperRatio && Self.paperRatio <= row.ratioDeltaHigh
            print(
                "Closest to \(Self.paperRatio): \(label) (ratio \(shown(row.ratio)), 95% CI [\(shown(row.ratioDeltaLow)), "
                    + "\(shown(row.ratioDeltaHigh))]\(covers ? ", which covers 2.25" : ", which does not cover 2.25"))")
        }
        return .ok
    }

    /// A switch value as the registry writes defaults (`1.0` for β is `1`).
    static func text(_ value: SQLValue) -> String {
        switch value {
        case .real(let d) where d == d.rounded() && abs(d) < 1e15: return String(Int64(d))
        case .real(let d): return "\(d)"
        case .integer(let i): return "\(i)"
        case .text(let t): return t
        case .null: return "NULL"
        case .blob: return "blob"
        }
    }

    /// Mean of a metric by scheme × bits over the paper sweep's done runs, pivoted by scheme.
    static func headlineSQL(metric: String) -> String {
        """
        SELECT c.bits,
               avg(CASE WHEN c.scheme = 'KV' THEN s.\(metric)_mean END) AS KV,
               avg(CASE WHEN c.scheme = 'KQV' THEN s.\(metric)_mean END) AS KQV,
               avg(CASE WHEN c.scheme = 'QKQV' THEN s.\(metric)_mean END) AS QKQV,
               avg(CASE WHEN c.scheme = 'QKQV' THEN s.\(metric)_mean END)
                 / avg(CASE WHEN c.scheme = 'KQV' THEN s.\(metric)_mean END) AS QKQV_over_KQV
        FROM sweeps AS w JOIN sweep_runs AS sr ON sr.sweep_id = w.id
        JOIN current_runs AS r ON r.id = sr.run_id AND r.state = 'done'
        JOIN configs AS c ON c.config_hash = r.config_hash
        JOIN run_summaries AS s ON s.run_id = r.id
        WHERE w.name = 'paper'
        GROUP BY c.bits ORDER BY c.bits
        """
    }
}
