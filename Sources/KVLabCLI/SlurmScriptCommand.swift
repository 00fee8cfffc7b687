import ArgumentParser
import ExperimentStore
import Foundation
import Sweeps

/// `kvlab slurm-script SPEC --tasks N`: print a submit script for a Slurm array job plus a dependent merge job.
struct SlurmScriptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm-script",
        abstract: "Print a Slurm submit script: an array job of N shards, then a merge job and a claims check.",
        discussion: """
            Save the output and run it on a login node (`kvlab slurm-script paper --tasks 16 > submit.sh && bash \
            submit.sh`). Task i of the array job (--array=0-(N-1), --requeue) runs `kvlab run SPEC --shard i/N` \
            into its own database DIR/kvlab-shard-i-of-N.sqlite (never share one SQLite file over NFS); a \
            dependent job (--dependency=afterok) merges the shards into DIR/merged.sqlite and runs `kvlab \
            claims check` on it. Running the script again after a failure or a preemption resumes every shard.
            Example: kvlab slurm-script paper --tasks 16 --cpus-per-task 4 --out /scratch/$USER/paper > submit.sh
            """
    )

    @Argument(
        help: "Sweep spec file or shipped sweep name (caches, model, paper, sensitivity, smoke).",
        completion: Completions.specs)
    var spec: String

    @Option(help: "Number of array tasks (shards), 1 … number of runs.")
    var tasks: Int

    @Option(help: "Slurm partition (default: the cluster's default).")
    var partition: String?

    @Option(help: "Time limit per job in Slurm syntax, e.g. 02:00:00 (default: the partition's).")
    var time: String?

    @Option(help: "CPUs per array task; each task runs `kvlab run --jobs C`.")
    var cpusPerTask: Int = 1

    @Option(
        help: "Output directory for the shard databases, merged.sqlite, job files and logs (default: ./kvlab-NAME).",
        completion: .directory)
    var out: String?

    @Option(help: "The kvlab executable the jobs run (default: this one, by absolute path).")
    var kvlab: String?

    @Option(
        name: .customLong("datasets-from"),
        help: ArgumentHelp(
            "The database holding the datasets a dataset sweep reads; every task copies them from it.",
            valueName: "PATH"),
        completion: .file(extensions: ["sqlite"]))
    var datasetsFrom: String?

    func run() async throws {
        try await reportingErrors {
            guard tasks >= 1 else { throw CLIError.badInput("--tasks: \(tasks) must be ≥ 1") }
            let datasets = try datasetsFrom.map { try DatasetCatalog(store: Store(path: $0, mode: .readOnly)) }
            let loaded = try SpecSource.load(spec, datasets: datasets ?? .empty)
            if datasetsFrom == nil, loaded.spec.configs.contains(where: { $0.source != nil }) {
                throw CLIError.badInput(
                    "sweep '\(loaded.spec.name)' reads stored datasets: give --datasets-from PATH, the database "
                        + "that holds them (each task copies them into its shard database)")
            }
            let runs = loaded.spec.runCount
            guard tasks <= runs else {
                throw CLIError.badInput(
                    "--tasks: \(tasks) is more than the \(runs) runs of sweep '\(loaded.spec.name)'; "
                        + "use at most \(runs)")
            }
            let specArgument = FileManager.default.fileExists(atPath: spec) ? Self.absolute(spec) : spec
            let directory = Self.absolute(out ?? "kvlab-\(loaded.spec.name)")
            let script = try SlurmScript(
                kvlab: kvlab.map { $0.contains("/") ? Self.absolute($0) : $0 } ?? Self.currentExecutable(),
                spec: specArgument, sweepName: loaded.spec.name, tasks: tasks, directory: directory,
                cpusPerTask: cpusPerTask, partition: partition, time: time,
                summary: "\(runs) runs × \(loaded.spec.trials) trials",
                datasetsFrom: datasetsFrom.map(Self.absolute))
            print(script.render(), terminator: "")
        }
    }

    /// `path` made absolute against the working directory, with `.` and `..` resolved.
    private static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// The absolute path of the running kvlab executable.
    private static func currentExecutable() -> String {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        if exe != "/proc/self/exe" { return exe }
        return absolute(CommandLine.arguments[0])
    }
}
