import ArgumentParser
import ExperimentStore
import Foundation

/// `kvlab merge --into OUT IN…`: join shard databases by natural keys.
struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge shard databases into one by natural keys (idempotent, order-independent).",
        discussion: """
            Joins configs, runs and trials by (config hash, seed, engine version, trial). A trial stored in \
            two inputs with different values is reported and never overwritten (exit 3). Datasets are copied \
            by content hash; one name holding different contents is an error (exit 3) and nothing of that \
            input is merged. Inputs are opened read-only and not changed.
            Example: kvlab merge --into paper.sqlite kvlab-shard-*-of-16.sqlite
            """
    )

    @Option(help: "The output database (created if missing).", completion: .file(extensions: ["sqlite"]))
    var into: String

    @Argument(help: "Input databases (e.g. kvlab-shard-*-of-N.sqlite).", completion: .file(extensions: ["sqlite"]))
    var inputs: [String]

    func run() async throws {
        let status = try await reportingErrors { () throws -> ExitStatus in
            guard !inputs.isEmpty else { throw CLIError.badInput("give at least one input database to merge") }
            guard !into.isEmpty else { throw CLIError.badInput("--into: the path is empty; give a database file") }
            let outPath = URL(fileURLWithPath: into).standardizedFileURL.path
            for input in inputs where URL(fileURLWithPath: input).standardizedFileURL.path == outPath {
                throw CLIError.badInput("input \(input) is the output itself; merge into another file")
            }
            let sources = try inputs.map { path -> Store in
                guard FileManager.default.fileExists(atPath: path) else {
                    throw CLIError.badInput("no database at \(path)")
                }
                return try Store(path: path, mode: .readOnly)
            }
            // Every input is checked before anything is written: a bad one leaves the output unchanged.
            for source in sources { try source.checkMergeInput() }
            let output = try Store(path: into, mode: .readWrite)
            var report = MergeReport()
            for source in sources { try output.merge(from: source, into: &report) }
            try output.checkpoint()
            print(
                "merged \(report.inputs) databases into \(into): \(report.newConfigs) new configs, "
                    + "\(report.newRuns) new runs, \(report.newTrials) new trials, "
                    + "\(report.identicalTrials) already present, \(report.conflicts.count) conflicts"
                    + (report.newDatasets > 0 ? ", \(report.newDatasets) new datasets" : "")
                    + (report.newModelsAndTexts > 0 ? ", \(report.newModelsAndTexts) new models and texts" : ""))
            for conflict in report.conflicts.prefix(50) { Console.error("conflict: \(conflict)") }
            return report.conflicts.isEmpty ? .ok : .failure
        }
        if status != .ok { throw ExitCode(status.rawValue) }
    }
}
