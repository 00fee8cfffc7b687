import Quantization

extension BenchmarkSuite {
    /// The standard trial (KV, KQV and QKQV at n = 4 on shared data, as a sweep computes them) on one thread
    /// and on `jobs` threads, with the parallel efficiency as a note.
    mutating func trials() async {
        let engine = TrialEngine()
        let configs = Scheme.allCases.map(Self.standardConfig)
        var trial = 0
        rate("trial", "standard trial (KV+KQV+QKQV, n=4), 1 thread", unit: "trials/s", cpuTime: true) {
            let prepared = PreparedTrial(key: configs[0].dataKey, seed: 1, trial: trial)
            trial += 1
            _ = engine.evaluate(configs, on: prepared)
            return 1
        }
        let singleCPU = figures.last?.median ?? .nan
        let single = figures[figures.count - 2].median
        let jobs = self.jobs
        let batch = 4 * jobs
        var parallel: [Double] = []
        for round in 0...repetitions {
            let start = Self.now()
            await withTaskGroup(of: Void.self) { group in
                for t in 0..<batch {
                    group.addTask {
                        let prepared = PreparedTrial(key: configs[0].dataKey, seed: 2, trial: round * batch + t)
                        _ = engine.evaluate(configs, on: prepared)
                    }
                }
            }
            if round > 0 { parallel.append(Double(batch) / Self.seconds(since: start)) }
        }
        record("trial", "standard trial, \(jobs) threads", "trials/s", parallel)
        let median = figures.last?.median ?? .nan
        notes.append("parallel efficiency on \(jobs) threads: \(Self.fixed(median / single / Double(jobs) * 100, 1))%")
        capturedTrial(standard: single, standardCPU: singleCPU)
    }

    /// One (layer, KV head) trial of captured data, one scheme (KQV) at n = 4: d = 64, N = 1024, Q = 64
    /// positions × G = 3 query heads (192 causal queries), as SmolLM2-135M's caches give; inputs and their
    /// exact attention from the data source, which computes them once for every trial (the data are fixed),
    /// as a sweep's source does. The target is at most a third of a standard trial, which evaluates three
    /// schemes.
    mutating func capturedTrial(standard: Double, standardCPU: Double) {
        let t = 1024
        let d = 64
        func tensor(_ seed: Int) -> [Float] {
            Self.randomMatrix(rows: t, cols: d, seed: seed).storage.map { Float($0) }
        }
        let head = CapturedHead(
            keys: tensor(11), values: tensor(12), queryHeads: [tensor(13), tensor(14), tensor(15)], tokens: t, dim: d)
        let source = CapturedSource(head: head, tokens: t, queries: 64, logitScale: 1)
        var config = TrialConfig()
        config.scheme = .KQV
        config.bits = 4
        config.source = String(repeating: "0", count: 64)
        config.layer = 0
        config.head = 0
        config.dim = d
        config.tokens = t
        config.queries = 64
        let engine = TrialEngine()
        var trial = 0
        rate(
            "trial", "captured (layer, head) trial (KQV, n=4, d=64, N=1024, Q·G=192), 1 thread", unit: "trials/s",
            cpuTime: true
        ) {
            let prepared = source.prepared(key: config.dataKey, seed: 1, trial: trial)
            trial += 1
            _ = engine.evaluate(config, on: prepared)
            return 1
        }
        let capturedCPU = figures.last?.median ?? .nan
        let captured = figures[figures.count - 2].median
        notes.append(
            "captured trial time / standard trial time: \(Self.fixed(single(captured) / single(standard), 3)) "
                + "(target ≤ 0.333); in thread CPU time: \(Self.fixed(single(capturedCPU) / single(standardCPU), 3))")
    }

    /// Seconds per trial at a rate in trials/s.
    private func single(_ rate: Double) -> Double { 1 / rate }
}
