import Foundation
import Quantization
import Statistics

/// The measurements of `kvlab bench`: kernels, the standard trial, the store and the end-to-end paper
/// sweep, each figure the median (and min–max) of several repetitions after a warm-up.
///
/// Every workload is kvlab's own code (the engine's rotations, quantizers, elementary functions, metrics
/// and trials; the store's writer; the claims and the aggregation SQL; the sweep runner), so the figures
/// say how fast kvlab is, not how fast a stand-in is.
public struct BenchmarkSuite {
    /// One figure: a rate (items per second) or a duration (seconds).
    struct Figure: Sendable {
        /// The section that measured it (`kernels`, `trial`, `store`, `end to end`).
        var section: String
        /// What was measured.
        var name: String
        /// The unit of the values (`rows/s`, `vectors/s`, `calls/s`, `trials/s`, `s`…).
        var unit: String
        /// The median over the repetitions.
        var median: Double
        /// The smallest value.
        var min: Double
        /// The largest value.
        var max: Double
        /// How many repetitions were measured (the warm-up is not counted).
        var repetitions: Int
    }

    /// The sections of the benchmark, in the order they run.
    public enum Section: String, CaseIterable, Sendable {
        /// Rotations, quantizers, elementary functions and the trial metrics, single thread.
        case kernels
        /// The standard trial (d = 128, N = 1024, Q = 64; KV, KQV and QKQV at n = 4), 1 and `jobs` threads.
        case trial
        /// The store's writer, the shipped claims and an aggregation on ≥ 1,000,000 trial-metric values.
        case store
        /// `kvlab run paper` from an empty database.
        case e2e
        /// A real GGUF model's forward pass and one model-level trial (needs ``modelPath``).
        case model
    }

    /// Repetitions per figure (after one warm-up).
    var repetitions: Int
    /// Workers for the parallel figures.
    var jobs: Int
    /// The kvlab release, reported with the machine.
    var kvlabVersion: String
    /// The figures measured so far, in order.
    var figures: [Figure] = []
    /// Notes derived from the figures (parallel efficiency, share of time outside the engine…).
    var notes: [String] = []
    /// The GGUF model the `model` section times (nil: that section is skipped with a note).
    public var modelPath: String?

    /// A suite that has measured nothing yet.
    ///
    /// - Parameters:
    ///   - repetitions: repetitions per figure (after one warm-up).
    ///   - jobs: workers for the parallel figures.
    ///   - kvlabVersion: the kvlab release, reported with the machine.
    public init(repetitions: Int, jobs: Int, kvlabVersion: String) {
        self.repetitions = repetitions
        self.jobs = jobs
        self.kvlabVersion = kvlabVersion
    }

    /// Runs the given sections, in the order of ``Section``, appending their figures and notes.
    ///
    /// - Throws: ``StoreError`` and ``SweepSpecError`` from the store and end-to-end sections.
    public mutating func run(_ sections: Set<Section>) async throws {
        if sections.contains(.kernels) { kernels() }
        if sections.contains(.trial) { await trials() }
        if sections.contains(.store) { try store() }
        if sections.contains(.e2e) { try await reproduce() }
        if sections.contains(.model) {
            if let modelPath {
                try model(path: modelPath)
            } else {
                notes.append("model: skipped (no model: give --model PATH, or run scripts/fetch-model)")
            }
        }
    }

    /// Times `body` (which returns how many items it processed) and records items/s; with `cpuTime`, also
    /// items per second of the calling thread's CPU time, as a second figure named "… (thread CPU time)": on a
    /// shared host, what other processes take of the core then does not count.
    mutating func rate(_ section: String, _ name: String, unit: String, cpuTime: Bool = false, _ body: () -> Int) {
        _ = body()  // warm-up
        var rates: [Double] = []
        var cpuRates: [Double] = []
        for _ in 0..<repetitions {
            let start = Self.now()
            let cpuStart = Self.threadCPUSeconds()
            let items = body()
            cpuRates.append(Double(items) / (Self.threadCPUSeconds() - cpuStart))
            rates.append(Double(items) / Self.seconds(since: start))
        }
        record(section, name, unit, rates)
        if cpuTime { record(section, name + " (thread CPU time)", unit, cpuRates) }
    }

    /// The CPU time the calling thread has used, in seconds.
    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Times `body` and records seconds.
    mutating func duration(_ section: String, _ name: String, repetitions reps: Int? = nil, _ body: () throws -> Void)
        rethrows
    {
        try body()  // warm-up
        var times: [Double] = []
        for _ in 0..<(reps ?? repetitions) {
            let start = Self.now()
            try body()
            times.append(Self.seconds(since: start))
        }
        record(section, name, "s", times)
    }

    /// Records a figure from measured values.
    mutating func record(_ section: String, _ name: String, _ unit: String, _ values: [Double]) {
        let sorted = values.sorted()
        figures.append(
            Figure(
                section: section, name: name, unit: unit, median: Summary.quantile(sorted, 0.5),
                min: sorted.first ?? .nan, max: sorted.last ?? .nan, repetitions: values.count))
    }

    /// The current instant of a monotonic clock.
    static func now() -> ContinuousClock.Instant { ContinuousClock.now }

    /// Seconds elapsed since `start`.
    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = start.duration(to: ContinuousClock.now).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
    }

    /// An n × d matrix of standard Gaussian values from the auxiliary stream of `seed`.
    static func randomMatrix(rows: Int, cols: Int, seed: Int) -> Matrix {
        var s = RandomStream(seed: seed, trial: 0, role: .auxiliary)
        return Matrix(rows: rows, cols: cols, storage: (0..<(rows * cols)).map { _ in s.gaussian() })
    }

    /// The standard trial's config (d = 128, N = 1024, Q = 64) for a scheme at n = 4.
    static func standardConfig(_ scheme: Scheme) -> TrialConfig {
        var c = TrialConfig()
        c.scheme = scheme
        c.bits = 4
        return c
    }
}
