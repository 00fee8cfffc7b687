import Quantization

extension BenchmarkSuite {
    /// The standard trial (KV, KQV and QKQV at n = 4 on shared data, as a sweep computes them) on one thread
    /// and on `jobs` threads, with the parallel efficiency as a note.
    mutating func trials() async {
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
    }
}
