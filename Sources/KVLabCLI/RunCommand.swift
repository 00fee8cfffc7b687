import ArgumentParser
import ExperimentStore
import Foundation
import Models
import Quantization
import Sweeps

/// `kvlab run`: plan a sweep spec and execute its pending runs (rerun = resume).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Plan a sweep and compute its pending runs; rerunning resumes where it stopped.",
        discussion: """
            SPEC is a YAML/JSON sweep file, or the name of a shipped sweep (caches, paper, sensitivity, smoke). Without \
            SPEC, finishes every planned run in the database. Finished runs are never recomputed; an \
            interrupted run keeps its stored trials. Several processes may run on one database: they share \
            the work through leases. Ctrl-C stops cleanly (exit 130) and prints how to resume.
            Example: kvlab run smoke --db ci.sqlite --jobs 2
            """
    )

    @Argument(
        help: "Sweep spec file or shipped sweep name (caches, model, paper, sensitivity, smoke).",
        completion: Completions.specs)
    var spec: String?

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Worker count (default: all cores).")
    var jobs: Int?

    @Option(help: "Run slice I/N of the planned runs (0 ≤ I < N); default from Slurm array variables.")
    var shard: String?

    @Option(
        name: .customLong("datasets-from"),
        help: ArgumentHelp(
            "Copy the datasets the spec names from this database first (shards of a dataset sweep).",
            valueName: "PATH"),
        completion: .file(extensions: ["sqlite"]))
    var datasetsFrom: String?

    @Flag(help: "Accept a changed spec for an existing sweep name (adds the new runs).")
    var amend = false

    @Flag(
        name: .customLong("no-page-check"),
        help: "Skip SQLite's page check of an existing database before writing (its cost grows with the file).")
    var noPageCheck = false

    @Flag(help: "Print what would run and write nothing.")
    var dryRun = false

    @Flag(help: "No progress output.")
    var quiet = false

    func run() async throws {
        let watcher = SignalWatcher()
        let status = try await reportingErrors { () async throws -> ExitStatus in
            let jobs = self.jobs ?? defaultJobs()
            guard jobs >= 1 else { throw CLIError.badInput("--jobs: \(jobs) must be ≥ 1") }
            let shard = try resolveShard()
            try database.checkPath()
            var path = database.path
            if database.db == nil, ProcessInfo.processInfo.environment["KVLAB_DB"] == nil, shard.count > 1 {
                path = shard.defaultDatabaseName
            }
            let datasetSource = try datasetsFrom.map { try Store(path: $0, mode: .readOnly) }
            // The spec is loaded against the datasets of this database and of --datasets-from. A database that
            // does not exist yet is created only after the spec loaded: a bad spec leaves no file behind.
            let exists = FileManager.default.fileExists(atPath: path)
            if dryRun {
                var stores = datasetSource.map { [$0] } ?? []
                if exists { stores.insert(try Store(path: path, mode: .readOnly), at: 0) }
                let loaded = try watcher.exitingAtOnce {
                    try spec.map { try SpecSource.load($0, datasets: try DatasetCatalog(stores: stores)) }
                }
                try printDryRun(loaded, shard: shard, jobs: jobs, path: path)
                return .ok
            }
            // A damaged page would be written around, and the sweep would report success over it.
            let existing = exists ? try Store(path: path, mode: .readWrite, checkPages: !noPageCheck) : nil
            let stores = (existing.map { [$0] } ?? []) + (datasetSource.map { [$0] } ?? [])
            // Reading and expanding a spec writes nothing: a signal meanwhile exits at once.
            let loaded = try watcher.exitingAtOnce {
                let loaded = try spec.map { try SpecSource.load($0, datasets: try DatasetCatalog(stores: stores)) }
                if let loaded, let limit = SystemMemory.limit() {
                    // Before a new database is created: a spec that cannot run leaves no file behind.
                    try SweepPlanner.checkMemory(loaded.spec.configs, limit: limit)
                }
                return loaded
            }
            let store = try existing ?? Store(path: path, mode: .readWrite)
            if let loaded, let datasetSource {
                let copied = try store.copyInputs(
                    from: datasetSource, for: SweepPlanner.plannedRuns(loaded.spec, shard: shard).runs.map(\.config))
                if !quiet, copied > 0 {
                    Console.note("kvlab: copied \(copied) dataset(s), model(s) and text(s) from \(datasetSource.path)")
                }
            }
            var resume = "kvlab run"
            if let spec { resume += " \(spec)" }
            if database.db != nil || path != "kvlab.sqlite" { resume += " --db \(path)" }
            if let shardText = self.shard { resume += " --shard \(shardText)" }
            let runner = SweepRunner(store: store, jobs: jobs, sweep: loaded?.spec.name, resumeCommand: resume)
            var provenanceID: Int64?
            if let loaded {
                if !quiet, loaded.spec.runCount >= Self.largePlan {
                    let what = shard.count > 1 ? "shard \(shard) of " : ""
                    Console.note(
                        "kvlab: planning \(what)\(loaded.spec.runCount) runs (Ctrl-C stops; nothing is written then)…")
                }
                guard
                    let result = try runner.plan(
                        loaded.spec, text: loaded.text, shard: shard, amend: amend, watcher: watcher,
                        resumeCommand: resume)
                else { return watcher.exitStatus }
                if !quiet {
                    Console.note(
                        "kvlab: sweep '\(loaded.spec.name)'\(shard.count > 1 ? " shard \(shard)" : ""): \(result.runs) runs × \(loaded.spec.trials) trials (\(result.newRuns) newly planned)"
                    )
                }
                provenanceID = result.provenanceID
            }
            return try await runner.run(
                quiet: quiet, resumeCommand: resume, watcher: watcher, provenanceID: provenanceID)
        }
        if status != .ok { throw ExitCode(status.rawValue) }
    }

    /// Plans of at least this many runs are announced before planning (it takes seconds).
    static let largePlan = 100_000

    private func resolveShard() throws -> Shard {
        if let shard { return try Shard(parsing: shard) }
        return try Shard.fromSlurm(environment: ProcessInfo.processInfo.environment) ?? .whole
    }

    private func printDryRun(_ loaded: SpecSource?, shard: Shard, jobs: Int, path: String) throws {
        guard let loaded else {
            throw CLIError.badInput("--dry-run needs a SPEC (a sweep file or a shipped name)")
        }
        if let limit = SystemMemory.limit() { try SweepPlanner.checkMemory(loaded.spec.configs, limit: limit) }
        let (runs, runCount) = SweepPlanner.plannedRuns(loaded.spec, shard: shard)
        var already = 0
        if FileManager.default.fileExists(atPath: path) {
            let store = try Store(path: path, mode: .readOnly)
            already = try store.read { db in
                try runs.reduce(0) { count, run in
                    try count
                        + Store.doneRunCount(
                            configHash: run.config.configHash(), seeds: run.seeds, trials: loaded.spec.trials,
                            forwardVersion: run.config.isModelLevel ? Models.forwardVersion : 0, in: db)
                }
            }
        }
        let trials = (runCount - already) * loaded.spec.trials
        // Rough cost model: ~4 ns per (query × token × dim) multiply-add, three attention passes per trial; a
        // model-level trial is one forward pass of a small model (SmolLM2-135M: about 60 tokens/s per thread).
        let c = loaded.spec.configs.first
        let perTrial =
            c?.isModelLevel == true
            ? Double(c?.tokens ?? 512) / 60
            : Double((c?.queries ?? 64) * (c?.tokens ?? 1024) * (c?.dim ?? 128)) * 3 * 4e-9
        let estimate = Double(trials) * perTrial / Double(jobs)
        print("sweep\t\(loaded.spec.name)")
        print("configs\t\(loaded.spec.configs.count)")
        print("seeds\t\(loaded.spec.seeds.count)")
        print("runs\t\(runCount)")
        print("runs_done\t\(already)")
        print("trials_to_compute\t\(trials)")
        print("estimated_time\t\(ProgressReporter.duration(estimate)) on \(jobs) workers")
        if let bytes = loaded.spec.configs.compactMap(MemoryEstimate.trialBytes).max() {
            print(
                "memory_per_trial\tat least \(MemoryEstimate.text(bytes)) (\(jobs) workers: up to \(jobs) trials at once)"
            )
        }
        print("database\t\(path)")
    }
}
