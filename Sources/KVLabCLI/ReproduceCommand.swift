import ArgumentParser
import Claims
import ExperimentStore
import Sweeps

/// `kvlab reproduce`: run sweeps/paper.yaml (resumable), then print the headline tables.
struct ReproduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Run the paper's sweep (resumable), check the claims and print the headline tables.",
        discussion: """
            Equivalent to `kvlab run paper`, then `kvlab claims check` (verdicts printed and recorded), then the kl \
            and k_angle tables by scheme × bits. Rerun to resume. Exits 0 when the sweep completes, whatever the \
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
                spec = try spec.replacingSeeds(Array(1...seeds))
            }
            let jobs = self.jobs ?? defaultJobs()
            guard jobs >= 1 else { throw CLIError.badInput("--jobs: \(jobs) must be ≥ 1") }
            let store = try database.open(.readWrite)
            let planned = try SweepPlanner.plan(
                spec, specText: SweepSpec.shippedText(named: "paper") ?? "", shard: .whole, amend: true, store: store,
                provenanceID: nil)
            if !quiet {
                Console.note("kvlab: paper sweep: \(planned.runs) runs × \(spec.trials) trials → \(store.path)")
            }
            var resume = "kvlab reproduce"
            if let seeds { resume += " --seeds \(seeds)" }
            if database.db != nil { resume += " --db \(store.path)" }
            let runner = SweepRunner(store: store, jobs: jobs, sweep: spec.name, resumeCommand: resume)
            let outcome = try await runner.run(quiet: quiet, resumeCommand: resume, watcher: watcher)
            guard outcome == .ok else { return outcome }
            let claims = try ClaimLoader.load([])
            let (report, claimStatus) = try ClaimsCommand.evaluateAndRecord(
                claims, overrides: [:], store: store, writable: true)
            print(
                "Claims (queries/claims; a refuted claim is a result, not an error — `kvlab claims check` gives CI exit codes)"
            )
            print(report.text(limit: 5, digits: digits.digits))
            for metric in ["kl", "k_angle"] {
                print("\n\(metric) by scheme × bits (mean over runs of the paper sweep; replicate = seed)")
                let result = try store.execute(sql: Self.headlineSQL(metric: metric))
                print(TableOutput.render(result, format: .table, digits: digits.digits))
            }
            return claimStatus == .failure ? .failure : .ok
        }
        if status != .ok { throw ExitCode(status.rawValue) }
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
