import ExperimentStore
import Foundation
import KVLabTestSupport
import Quantization
import Statistics
import Testing

/// Numerical edge cases through the engine: every metric is finite, or a NaN the store keeps as NaN
/// (`nan_mask`), never a silently wrong number.
@Suite("Reliability: numerical edge cases")
struct NumericalEdgeTests {
    /// The metrics that are divergences or probabilities, with their ranges.
    static let ranges: [Metric: ClosedRange<Double>] = [
        .kl: 0...Double.infinity, .klReverse: 0...Double.infinity, .js: 0...log(2) + 1e-12, .tv: 0...1,
        .hellinger: 0...1, .bhattacharyya: 0...Double.infinity, .top1Flip: 0...1, .top8Overlap: 0...1,
    ]

    /// Checks a trial's metrics: in range where a range is known, and lists the non-finite ones.
    static func check(_ m: MetricValues, _ label: String) -> [Metric] {
        var nonFinite: [Metric] = []
        for metric in Metric.allCases where metric.isMeasured(at: .attention) {
            let v = m[metric]
            if !v.isFinite {
                nonFinite.append(metric)
                continue
            }
            if let range = ranges[metric] {
                #expect(range.contains(v) || abs(v) < 1e-12, "\(label): \(metric.rawValue) = \(v)")
            }
        }
        return nonFinite
    }

    static func config(_ scheme: Scheme, bits: Int, _ edit: (inout TrialConfig) -> Void = { _ in }) -> TrialConfig {
        var c = TrialConfig()
        c.scheme = scheme
        c.bits = bits
        c.dim = 32
        c.tokens = 64
        c.queries = 8
        edit(&c)
        return c
    }

    static let cases: [(String, @Sendable (inout TrialConfig) -> Void)] = [
        ("default small", { _ in }),
        ("logit_scale 1000", { $0.logitScale = 1000 }),
        (
            "t3 with outliers ×100",
            {
                $0.distribution = .t3
                $0.outliers = 4
                $0.outlierScale = 100
            }
        ),
        (
            "rank 1, no noise (identical directions)",
            {
                $0.rank = 1
                $0.noise = 0
            }
        ),
        (
            "dim 16",
            {
                $0.dim = 16
                $0.rank = 16
            }
        ),
        (
            // Rank 16 and the Hadamard sketch keep a debug build fast (a 4096² Gaussian sketch takes ~15 s).
            "dim 4096, rank 16, 8 tokens, 2 queries",
            {
                $0.dim = 4096
                $0.rank = 16
                $0.tokens = 8
                $0.queries = 2
                $0.qjl = .hadamard
            }
        ),
        ("1 token", { $0.tokens = 1 }),
        (
            "axis mixing, logit_scale 1000, t3",
            {
                $0.mixing = .axis
                $0.logitScale = 1000
                $0.distribution = .t3
            }
        ),
    ]

    @Test("generated data at the extremes: every metric finite and in range, for every scheme at bits 1 and 8")
    func extremes() throws {
        let engine = TrialEngine()
        var report: [String] = []
        for (label, edit) in Self.cases {
            for scheme in Scheme.allCases {
                for bits in [1, 8] {
                    let c = Self.config(scheme, bits: bits, edit)
                    try c.validate()
                    let m = engine.run(c, seed: 1, trial: 0)
                    var bad = Self.check(m, "\(label) \(scheme) n=\(bits)")
                    // jensen_ratio = kl / kl_second_order is +∞ when attention is one-hot in doubles (logit
                    // variance 0, e.g. logit_scale 1000): a true overflow, stored as REAL +Inf, never NaN.
                    if bad == [.jensenRatio], m[.jensenRatio] == .infinity, m[.klSecondOrder] == 0, m[.kl] > 0 {
                        bad = []
                        report.append("\(label) \(scheme) n=\(bits): jensen_ratio +Inf (kl_second_order 0)")
                    }
                    #expect(bad.isEmpty, "\(label) \(scheme) n=\(bits): non-finite \(bad.map(\.rawValue))")
                    #expect(m[.bhattacharyya] >= 0 && m[.bhattacharyya] >= m[.hellinger] * m[.hellinger])
                    if !bad.isEmpty { report.append("\(label) \(scheme) n=\(bits): \(bad.map(\.rawValue))") }
                }
            }
        }
        print(
            "numerical extremes: \(Self.cases.count * 6) trials; \(report.isEmpty ? "all finite" : "\(report)")")
    }

    /// Metrics of hand-made data (zero or identical vectors) through the scheme's quantizers.
    static func metrics(_ data: TrialData, _ c: TrialConfig) -> MetricValues {
        let engine = TrialEngine()
        let (kq, vq) = engine.quantizers(c, seed: 1, trial: 0)
        let reference = ReferenceAttention(data: data, logitScale: c.logitScale)
        return TrialMetrics.compute(
            data: data, reference: reference, keys: kq.reconstruct(data.keys), values: vq.reconstruct(data.values),
            bitsK: kq.effectiveBits(dim: c.dim), bitsV: vq.effectiveBits(dim: c.dim))
    }

    static func randomMatrix(rows: Int, cols: Int, seed: UInt64) -> Matrix {
        var rng = SplitMix64(seed: seed)
        return Matrix(
            rows: rows, cols: cols, storage: (0..<(rows * cols)).map { _ in Double.random(in: -1...1, using: &rng) })
    }

    @Test("zero vectors and identical keys: divergences finite; undefined ratios are NaN, stored as NaN")
    func degenerateData() throws {
        let d = 32
        let n = 16
        let queries = Self.randomMatrix(rows: 4, cols: d, seed: 1)
        let zero = Matrix(rows: n, cols: d)
        let row = Self.randomMatrix(rows: 1, cols: d, seed: 2).storage
        let identical = Matrix(rows: n, cols: d, storage: (0..<n).flatMap { _ in row })
        let values = Self.randomMatrix(rows: n, cols: d, seed: 3)
        let datasets: [(String, TrialData)] = [
            ("zero keys and values", TrialData(keys: zero, values: zero, queries: queries)),
            ("zero keys", TrialData(keys: zero, values: values, queries: queries)),
            ("identical keys", TrialData(keys: identical, values: values, queries: queries)),
            ("zero queries", TrialData(keys: values, values: values, queries: Matrix(rows: 4, cols: d))),
        ]
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Store(path: dir.appendingPathComponent("edge.sqlite").path)
        var report: [String] = []
        var seed = 0
        for (label, data) in datasets {
            for scheme in Scheme.allCases {
                for bits in [1, 8] {
                    let c = Self.config(scheme, bits: bits) { $0.dim = d }
                    let m = Self.metrics(data, c)
                    let bad = Self.check(m, "\(label) \(scheme) n=\(bits)")
                    for metric in [Metric.kl, .klReverse, .js, .tv, .hellinger, .top1Flip] {
                        #expect(m[metric].isFinite, "\(label) \(scheme) n=\(bits): \(metric.rawValue) = \(m[metric])")
                    }
                    if !bad.isEmpty { report.append("\(label) \(scheme) n=\(bits): \(bad.map(\.rawValue))") }
                    // Through the store: a NaN comes back as NaN (nan_mask), never as a number.
                    let hash = try store.upsertConfig(c.resolved)
                    seed += 1
                    let run = try store.ensureRun(configHash: hash, seed: seed, trialsPlanned: 1)
                    try store.insertTrials(runID: run, [(0, m)])
                    let stored = try #require(try store.trials(runID: run).first)
                    for metric in Metric.allCases where metric.isMeasured(at: .attention) {
                        let a = stored.metrics[metric]
                        let b = m[metric]
                        #expect(a == b || (a.isNaN && b.isNaN), "\(metric.rawValue): stored \(a), computed \(b)")
                    }
                    try store.markRunDone(runID: run)
                }
            }
        }
        #expect(try store.verify().isClean)
        print(
            "degenerate data: \(datasets.count * 6) trials; NaN/Inf metrics: \(report.isEmpty ? "none" : "\(report)")")
    }
}
