import Claims
import ExperimentStore
import Foundation
import Quantization
import Statistics
import Sweeps
import Synchronization

/// The measurements of `kvlab bench`.
struct Benchmarks {
    /// One figure: a rate (items per second) or a duration (seconds).
    struct Figure {
        var section: String
        var name: String
        var unit: String
        var median: Double
        var min: Double
        var max: Double
        var repetitions: Int
    }

    var repetitions: Int
    var jobs: Int
    var figures: [Figure] = []
    var notes: [String] = []

    init(repetitions: Int, jobs: Int) {
        self.repetitions = repetitions
        self.jobs = jobs
    }

    /// Times `body` (which returns how many items it processed) and records items/s.
    mutating func rate(_ section: String, _ name: String, unit: String, _ body: () -> Int) {
        _ = body()  // warm-up
        var rates: [Double] = []
        for _ in 0..<repetitions {
            let start = ProgressReporter.now()
            let items = body()
            rates.append(Double(items) / (ProgressReporter.now() - start))
        }
        record(section, name, unit, rates)
    }

    /// Times `body` and records seconds.
    mutating func duration(_ section: String, _ name: String, repetitions reps: Int? = nil, _ body: () throws -> Void)
        rethrows
    {
        try body()  // warm-up
        var times: [Double] = []
        for _ in 0..<(reps ?? repetitions) {
            let start = ProgressReporter.now()
            try body()
            times.append(ProgressReporter.now() - start)
        }
        record(section, name, "s", times)
    }

    mutating func record(_ section: String, _ name: String, _ unit: String, _ values: [Double]) {
        let sorted = values.sorted()
        figures.append(
            Figure(
                section: section, name: name, unit: unit, median: Summary.quantile(sorted, 0.5),
                min: sorted.first ?? .nan, max: sorted.last ?? .nan, repetitions: values.count))
    }

    static func randomMatrix(rows: Int, cols: Int, seed: Int) -> Matrix {
        var s = RandomStream(seed: seed, trial: 0, role: .auxiliary)
        return Matrix(rows: rows, cols: cols, storage: (0..<(rows * cols)).map { _ in s.gaussian() })
    }

    static func standardConfig(_ scheme: Scheme) -> TrialConfig {
        var c = TrialConfig()
        c.scheme = scheme
        c.bits = 4
        return c
    }

    /// The sections of the benchmark, in the order they run.
    enum Section: String, CaseIterable {
        case kernels, trial, store, e2e
    }

    /// Runs the given sections.
    mutating func run(_ sections: Set<Section>) async throws {
        if sections.contains(.kernels) { kernels() }
        if sections.contains(.trial) { try await trials() }
        if sections.contains(.store) { try store() }
        if sections.contains(.e2e) { try await reproduce() }
    }

    // MARK: - Sections

    mutating func kernels() {
        let d = 128
        // Quantizers encode and decode the standard trial's N = 1024 tokens per call (1 MB in, 1 MB out),
        // as in the engine. The FWHT works on an L2-resident block (256 rows = 256 KB), as in the engine,
        // where each row is transformed while it is in cache; a 4 MB matrix would measure the L3
        // bandwidth, shared with whatever else runs on the host.
        let rows = 1024
        let base = Self.randomMatrix(rows: rows, cols: d, seed: 1)
        var block = Matrix(rows: 256, cols: d, storage: Array(base.storage[0..<(256 * d)]))
        rate("kernels", "FWHT d=128", unit: "rows/s") {
            for _ in 0..<16 { BenchmarkWorkloads.fwhtRows(&block) }
            return 16 * 256
        }
        let cache = CodebookCache()
        for (bits, rotation) in [(2, RotationKind.wht1), (2, .wht3), (4, .wht1), (4, .wht3)] {
            var c = Self.standardConfig(.KQV)
            c.bits = bits
            c.rotation = rotation
            let q = VectorQuantizer(
                recipe: .turboMSE, config: c,
                rotation: Rotation(kind: rotation, dim: d, stream: RandomStream(seed: 1, trial: 0, role: .keyRotation)),
                sketch: nil, codebooks: cache)
            rate("kernels", "TurboQuant_mse enc+dec b=\(bits) \(rotation.rawValue)", unit: "vectors/s") {
                _ = q.reconstruct(base)
                return rows
            }
        }
        for kind in QJLKind.allCases {
            var c = Self.standardConfig(.QKQV)
            c.qjl = kind
            let q = VectorQuantizer(
                recipe: .turboProd, config: c,
                rotation: Rotation(kind: .wht3, dim: d, stream: RandomStream(seed: 1, trial: 0, role: .keyRotation)),
                sketch: QJLSketch(kind: kind, dim: d, stream: RandomStream(seed: 1, trial: 0, role: .keySketch)),
                codebooks: cache)
            rate("kernels", "TurboQuant_prod enc+dec b=4 qjl=\(kind.rawValue) wht3", unit: "vectors/s") {
                _ = q.reconstruct(base)
                return rows
            }
        }
        elementaryFunctions()
        let queries = Self.randomMatrix(rows: 64, cols: d, seed: 2)
        let keys = Self.randomMatrix(rows: 1024, cols: d, seed: 3)
        let noisy = Self.randomMatrix(rows: 1024, cols: d, seed: 4)
        var quantized = keys
        for i in quantized.storage.indices { quantized.storage[i] += 0.05 * noisy.storage[i] }
        rate("kernels", "logits+log-softmax+KL Q=64 N=1024 d=128", unit: "calls/s") {
            _ = BenchmarkWorkloads.attentionKL(queries: queries, keys: keys, quantizedKeys: quantized, logitScale: 1)
            return 1
        }
    }

    /// kvlab's deterministic elementary functions against the C library's (whose variant depends on the
    /// CPU), on the argument ranges the engine uses: calls/s over 4096 arguments.
    mutating func elementaryFunctions() {
        let count = 4096
        var s = RandomStream(seed: 5, trial: 0, role: .auxiliary)
        let logits = (0..<count).map { _ in -8 * s.uniform() }  // log-probabilities, KL terms
        let unit = (0..<count).map { _ in s.uniform() }  // Box–Muller inputs, log1p(e^−|u|)
        @inline(__always) func time(_ name: String, _ args: [Double], _ f: (Double) -> Double) {
            rate("kernels", name, unit: "calls/s") {
                var sums = (0.0, 0.0)  // two chains, so the adds do not serialise the calls
                args.withUnsafeBufferPointer { x in
                    for _ in 0..<8 {
                        for i in stride(from: 0, to: x.count, by: 2) {
                            sums.0 += f(x[i])
                            sums.1 += f(x[i + 1])
                        }
                    }
                }
                return (sums.0 + sums.1).isNaN ? 0 : 8 * args.count
            }
        }
        time("exp (kvlab)", logits, Elementary.exp)
        time("exp (C library)", logits, Foundation.exp)
        time("expm1 (kvlab)", logits, Elementary.expm1)
        time("expm1 (C library)", logits, Foundation.expm1)
        time("log (kvlab)", unit, Elementary.log)
        time("log (C library)", unit, Foundation.log)
        time("log1p (kvlab)", unit, Elementary.log1p)
        time("log1p (C library)", unit, Foundation.log1p)
        time("sin+cos 2πu (kvlab)", unit) {
            let (a, b) = Elementary.sinCosTwoPi($0); return a + b
        }
        time("sin+cos 2πu (C library)", unit) { Foundation.sin(2 * .pi * $0) + Foundation.cos(2 * .pi * $0) }
    }

    mutating func trials() async throws {
        let engine = TrialEngine()
        let configs = Scheme.allCases.map(Self.standardConfig)
        var trial = 0
        rate("trial", "standard trial (KV+KQV+QKQV, n=4), 1 thread", unit: "trials/s") {
            let prepared = PreparedTrial(key: configs[0].dataKey, seed: 1, trial: trial)
            trial += 1
            _ = engine.evaluate(configs, on: prepared)
            return 1
        }
        let single = figures.last?.median ?? .nan
        let jobs = self.jobs
        let batch = 4 * jobs
        var parallel: [Double] = []
        for round in 0...repetitions {
            let start = ProgressReporter.now()
            await withTaskGroup(of: Void.self) { group in
                for t in 0..<batch {
                    group.addTask {
                        let prepared = PreparedTrial(key: configs[0].dataKey, seed: 2, trial: round * batch + t)
                        _ = engine.evaluate(configs, on: prepared)
                    }
                }
            }
            if round > 0 { parallel.append(Double(batch) / (ProgressReporter.now() - start)) }
        }
        record("trial", "standard trial, \(jobs) threads", "trials/s", parallel)
        let median = figures.last?.median ?? .nan
        notes.append("parallel efficiency on \(jobs) threads: \(Self.fixed(median / single / Double(jobs) * 100, 1))%")
    }

    mutating func store() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kvlab-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Trial rows through the real writer path: insert + mark done in one transaction per run.
        let writer = try Store(path: dir.appendingPathComponent("writer.sqlite").path, mode: .readWrite)
        var metrics = MetricValues()
        for (i, m) in Metric.allCases.enumerated() { metrics[m] = 0.001 * Double(i + 1) }
        var seed = 0
        let trialsPerRun = 64
        rate("store", "trial rows through insert+markRunDone (64 per run)", unit: "rows/s") {
            seed += 1
            let runsPerRound = 50
            do {
                try writer.write { db in
                    let hash = try Store.upsertConfig(TrialConfig().resolved, in: db)
                    for r in 0..<runsPerRound {
                        let id = try Store.ensureRun(
                            configHash: hash, seed: seed * 1000 + r, trialsPlanned: trialsPerRun, in: db)
                        try Store.insertTrials(runID: id, (0..<trialsPerRun).map { ($0, metrics) }, in: db)
                        try Store.markRunDone(runID: id, in: db)
                    }
                }
            } catch {
                return 0
            }
            return runsPerRound * trialsPerRun
        }
        // A database of ≥ 1,000,000 trial-metric values shaped like the paper sweep.
        let big = try Store(path: dir.appendingPathComponent("big.sqlite").path, mode: .readWrite)
        let spec = try SweepSpec.shipped(named: "paper").replacingSeeds(Array(1...12))
        let start = ProgressReporter.now()
        var stream = RandomStream(seed: 7, trial: 0, role: .auxiliary)
        var rows = 0
        try big.write { db in
            for run in spec.runs {
                let hash = try Store.upsertConfig(run.config, in: db)
                let id = try Store.ensureRun(configHash: hash, seed: run.seed, trialsPlanned: spec.trials, in: db)
                let scale = Double(1 << (2 * run.config.bits))
                let schemeFactor = run.config.scheme == .QKQV ? 4.0 : run.config.scheme == .KV ? 1.2 : 1.0
                let trials = (0..<spec.trials).map { t -> (Int, MetricValues) in
                    var m = MetricValues()
                    for metric in Metric.allCases {
                        m[metric] = schemeFactor / scale * (1 + 0.1 * stream.gaussian())
                    }
                    return (t, m)
                }
                try Store.insertTrials(runID: id, trials, in: db)
                try Store.markRunDone(runID: id, in: db)
                rows += spec.trials
            }
        }
        notes.append(
            "store database: \(rows) trial rows × \(Metric.allCases.count) metrics = "
                + "\(rows * Metric.allCases.count) trial-metric values, generated in "
                + "\(Self.fixed(ProgressReporter.now() - start, 1)) s")
        let claims = try ClaimLoader.load([])
        try duration("store", "claims check, all \(claims.count) shipped claims (≥1M values)", repetitions: 3) {
            _ = try ClaimEvaluator(store: big).evaluate(claims)
        }
        let agg = try AggregationQuery(
            dimensions: ["scheme", "bits", "distribution"], metrics: ["kl"],
            allowedDimensions: ["scheme", "bits", "distribution"])
        try duration("store", "agg kl by scheme × bits × distribution (≥1M values)", repetitions: 3) {
            _ = try big.execute(sql: agg.sql)
        }
    }

    mutating func reproduce() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kvlab-bench-e2e-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Store(path: dir.appendingPathComponent("paper.sqlite").path, mode: .readWrite)
        let spec = try SweepSpec.shipped(named: "paper")
        let start = ProgressReporter.now()
        _ = try SweepPlanner.plan(
            spec, specText: SweepSpec.shippedText(named: "paper") ?? "", shard: .whole, amend: false, store: store,
            provenanceID: nil)
        let last = LastProgress()
        let queue = StoreRunQueue(store: store, sweep: spec.name, provenanceID: nil)
        let executor = SweepExecutor(jobs: jobs, claimSize: max(15, 8 * jobs), commitEvery: 16 * jobs)
        _ = try await executor.execute(queue: queue, isCancelled: { false }, progress: { last.set($0) })
        try store.checkpoint()
        let wall = ProgressReporter.now() - start
        record(
            "end to end", "kvlab run paper (\(spec.runCount) runs, \(spec.trialCount) trials), \(jobs) workers", "s",
            [wall])
        let compute = last.get()?.computeSeconds ?? 0
        let outside = 1 - compute / (wall * Double(jobs))
        notes.append(
            "end to end: engine compute \(Self.fixed(compute, 1)) worker-s of \(Self.fixed(wall * Double(jobs), 1)) "
                + "available; share outside the engine (store, planning, bookkeeping, idle) "
                + "\(Self.fixed(outside * 100, 1))%")
    }

    // MARK: - Output

    static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return "\(x)" }
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let v = (x * p).rounded() / p
        return digits == 0 ? String(Int(v)) : "\(v)"
    }

    static func humane(_ x: Double) -> String {
        if !x.isFinite { return "\(x)" }
        if x >= 1e6 { return fixed(x / 1e6, 2) + " M" }
        if x >= 1e4 { return fixed(x / 1e3, 1) + " k" }
        if x >= 100 { return fixed(x, 0) }
        if x >= 1 { return fixed(x, 2) }
        return fixed(x * 1000, 1) + " m"
    }

    var machine: [(String, String)] {
        let info = ProcessInfo.processInfo
        let cpu =
            (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("model name") }.map {
                String($0.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespaces)
            }
            ?? "unknown"
        #if DEBUG
            let build = "debug (numbers are not meaningful; use -c release)"
        #else
            let build = "release"
        #endif
        return [
            ("cpu", cpu), ("cores", "\(info.activeProcessorCount)"),
            ("swift", Provenance.current(kvlabVersion: "").swiftVersion),
            ("kvlab", VersionInfo.kvlab), ("engine", "\(Engine.version)"), ("build", build),
            ("repetitions", "\(repetitions)"), ("jobs", "\(jobs)"),
        ]
    }

    func table() -> String {
        var lines = machine.map { "\($0.0): \($0.1)" }
        lines.append("")
        lines.append("section | benchmark | median | min | max | unit")
        lines.append("--- | --- | ---: | ---: | ---: | ---")
        for f in figures {
            lines.append(
                "\(f.section) | \(f.name) | \(Self.humane(f.median)) | \(Self.humane(f.min)) | \(Self.humane(f.max)) | \(f.unit)"
            )
        }
        lines.append("")
        lines += notes
        return lines.joined(separator: "\n")
    }

    func json() -> JSONValue {
        .object([
            ("machine", .object(machine.map { ($0.0, .string($0.1)) })),
            (
                "figures",
                .array(
                    figures.map { f in
                        .object([
                            ("section", .string(f.section)), ("name", .string(f.name)), ("unit", .string(f.unit)),
                            ("median", .double(f.median)), ("min", .double(f.min)), ("max", .double(f.max)),
                            ("repetitions", .int(f.repetitions)),
                        ])
                    })
            ),
            ("notes", .array(notes.map { .string($0) })),
        ])
    }
}

/// Holds the executor's last progress report (for the compute-time figure).
final class LastProgress: Sendable {
    private let value = Mutex<SweepExecutor.Progress?>(nil)
    func set(_ p: SweepExecutor.Progress) { value.withLock { $0 = p } }
    func get() -> SweepExecutor.Progress? { value.withLock { $0 } }
}
