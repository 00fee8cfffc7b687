import ArgumentParser
import Claims
import ExperimentStore
import Foundation
import Quantization
import Sweeps

/// `kvlab bench`: kernel, trial, store and end-to-end benchmarks with medians.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark the engine kernels, the standard trial, the store and (full mode) `reproduce`.",
        discussion: """
            Each figure: warm-up, then repetitions; the median and the min–max are reported. Single thread \
            unless the name says otherwise. --quick uses fewer repetitions and skips the end-to-end paper sweep. \
            Build in release for meaningful numbers: swift run -c release kvlab bench
            """
    )

    @Flag(help: "Fewer repetitions; skip the end-to-end paper sweep.")
    var quick = false

    @Option(help: "Output format: table or json.")
    var format: CodebookFormat = .table

    @Option(help: "Workers for the parallel figures (default: all cores).")
    var jobs: Int?

    func run() async throws {
        try await reportingErrors {
            let jobs = self.jobs ?? defaultJobs()
            guard jobs >= 1 else { throw CLIError.badInput("--jobs: \(jobs) must be ≥ 1") }
            var bench = Benchmarks(repetitions: quick ? 3 : 7, jobs: jobs)
            try await bench.runAll(endToEnd: !quick)
            switch format {
            case .json: print(bench.json().rendered(pretty: true))
            case .table: print(bench.table())
            }
        }
    }
}
