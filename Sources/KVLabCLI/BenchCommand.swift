import ArgumentParser
import Benchmarks
import Foundation

/// `kvlab bench`: kernel, trial, store and end-to-end benchmarks with medians.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark the engine kernels, the standard trial, the store and (full mode) `reproduce`.",
        discussion: """
            Each figure: warm-up, then repetitions; the median and the min–max are reported. Single thread \
            unless the name says otherwise. --quick uses fewer repetitions and skips the end-to-end paper sweep. \
            --only runs some sections (e.g. --only kernels,trial; e2e runs even with --quick when named). \
            Build in release for meaningful numbers: swift run -c release kvlab bench
            Example: kvlab bench --quick --only kernels,trial
            """
    )

    @Flag(help: "Fewer repetitions; skip the end-to-end paper sweep.")
    var quick = false

    @Option(help: "Output format: table or json.")
    var format: CodebookFormat = .table

    @Option(
        help: ArgumentHelp(
            "Sections to run, comma-separated: kernels, trial, store, e2e, model (default: all; e2e not with --quick).",
            valueName: "sections"))
    var only: String?

    @Option(help: "Workers for the parallel figures (default: all cores).")
    var jobs: Int?

    @Option(
        help: ArgumentHelp(
            "The GGUF model the model section times (default: .models/SmolLM2-135M-Instruct.Q4_1.gguf if present).",
            valueName: "path"))
    var model: String?

    func run() async throws {
        try await reportingErrors {
            let jobs = self.jobs ?? defaultJobs()
            guard jobs >= 1 else { throw CLIError.badInput("--jobs: \(jobs) must be ≥ 1") }
            var sections = Set(BenchmarkSuite.Section.allCases)
            if quick { sections.remove(.e2e) }
            if let only {
                sections = []
                for name in only.split(separator: ",", omittingEmptySubsequences: false) {
                    let trimmed = name.trimmingCharacters(in: .whitespaces)
                    guard let section = BenchmarkSuite.Section(rawValue: trimmed) else {
                        throw CLIError.badInput(
                            "--only: unknown section '\(trimmed)'; use kernels, trial, store, e2e or model, comma-separated"
                        )
                    }
                    sections.insert(section)
                }
            }
            var bench = BenchmarkSuite(repetitions: quick ? 3 : 7, jobs: jobs, kvlabVersion: VersionInfo.kvlab)
            let fetched = ".models/SmolLM2-135M-Instruct.Q4_1.gguf"
            bench.modelPath = model ?? (FileManager.default.fileExists(atPath: fetched) ? fetched : nil)
            if let path = bench.modelPath, !FileManager.default.fileExists(atPath: path) {
                throw CLIError.badInput("--model: \(path) does not exist")
            }
            try await bench.run(sections)
            switch format {
            case .json: print(bench.json().rendered(pretty: true))
            case .table: print(bench.table())
            }
        }
    }
}
