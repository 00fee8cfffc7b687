import Foundation
import Statistics
import Testing

@testable import Quantization

@Suite("Metrics")
struct MetricsTests {
    static func small(scheme: Scheme = .KQV, bits: Int = 4, noise: Double = 0.1) -> TrialConfig {
        var c = TrialConfig()
        c.scheme = scheme
        c.bits = bits
        c.dim = 32
        c.tokens = 64
        c.queries = 8
        c.noise = noise
        return c
    }

    @Test("KL(Bern(½)‖Bern(¼)) = 0.1438410 and KL(p‖p) = 0, shift invariant")
    func klIdentities() {
        // Two tokens: p = (½, ½), p̂ = (¼, ¾) ⇒ logits (0, 0) and (0, ln 3).
        let s: [Double] = [0, 0]
        let lp = s.map { $0 - log(2) }
        let qs: [Double] = [0, log(3)]
        let lq: [Double] = [log(0.25), log(0.75)]
        let m = QueryMetrics(
            logits: s, logP: lp, quantLogits: qs, quantLogP: lq, probabilities: lp.map { Elementary.exp($0) },
            quantProbabilities: lq.map { Elementary.exp($0) }, rootProbabilities: lp.map { Elementary.exp(0.5 * $0) },
            count: 2,
            topK: 2)
        #expect(abs(m.kl - 0.1438410362258904) < 1e-12)
        let same = QueryMetrics(
            logits: qs, logP: lq, quantLogits: qs, quantLogP: lq, probabilities: lq.map { Elementary.exp($0) },
            quantProbabilities: lq.map { Elementary.exp($0) }, rootProbabilities: lq.map { Elementary.exp(0.5 * $0) },
            count: 2,
            topK: 2)
        #expect(same.kl == 0 && same.klReverse == 0 && same.js == 0 && same.tv == 0 && same.hellinger == 0)
        // Shift invariance: adding a constant to every quantized logit changes nothing in KL.
        let data = TrialData.generate(Self.small().dataKey, seed: 1, trial: 0)
        let reference = ReferenceAttention(data: data, logitScale: 1)
        var shifted = data.keys
        let a = TrialMetrics.compute(
            data: data, reference: reference, keys: shifted, values: data.values, bitsK: 0, bitsV: 0)
        // Adding the same vector c to every key adds ⟨q, c⟩ to all logits of q: KL stays 0.
        for i in 0..<shifted.rows { for j in 0..<shifted.cols { shifted[i, j] += 0.3 } }
        let b = TrialMetrics.compute(
            data: data, reference: reference, keys: shifted, values: data.values, bitsK: 0, bitsV: 0)
        #expect(a[.kl] == 0)
        #expect(b[.kl] < 1e-12)
        #expect(abs(b[.logitBias]) > 1e-3)
    }

    #if arch(x86_64)  // the reference sums in 80-bit extended precision (Float80: x86 only)
        /// The fast per-query metrics (one expm1 shared by four KL terms, softplus from it) against plain
        /// textbook formulas with the C library's log and exp, on rows from nearly equal to nearly disjoint.
        @Test("query metrics equal plain formulas on random rows, from tiny noise to disjoint supports")
        func queryMetricsAgainstPlainFormulas() {
            func logSoftmax(_ x: [Double]) -> [Double] {
                let top = x.max() ?? 0
                let total = top + log(x.reduce(0) { $0 + exp($1 - top) })
                return x.map { $0 - total }
            }
            var stream = RandomStream(seed: 11, trial: 0, role: .auxiliary)
            let n = 64
            for (scale, noise) in [(1.0, 1e-7), (1.0, 0.01), (1.0, 0.3), (3.0, 1.0), (10.0, 2.0), (300.0, 1.0)] {
                for _ in 0..<20 {
                    let s = (0..<n).map { _ in scale * stream.gaussian() }
                    let qs = s.map { $0 + noise * scale * stream.gaussian() }
                    let lp = logSoftmax(s)
                    let lq = logSoftmax(qs)
                    let p = lp.map { exp($0) }
                    let pq = lq.map { exp($0) }
                    let root = lp.map { exp(0.5 * $0) }
                    let row = QueryMetrics(
                        logits: s, logP: lp, quantLogits: qs, quantLogP: lq, probabilities: p, quantProbabilities: pq,
                        rootProbabilities: root, count: n, topK: 8)
                    // In 80-bit extended precision, with C library functions and without the shared-expm1 and
                    // midpoint identities: KL(p‖q) = Σ p(u + e^{−u} − 1), u = log(p/q) (with q = p e^{−u}, exact
                    // for the given rounded p), or Σ p u + q − p where e^{−u} > e (there q is the given value:
                    // p e^{−u} would carry the rounding of a subnormal p); JS = ½ Σ the same terms of p and p̂
                    // against m = (p + p̂)/2, with log(p/m) = log(2/(1 + e^{−u})), log(p̂/m) = log(2/(1 + e^{u})).
                    func term(_ p: Float80, _ q: Float80, _ u: Float80) -> Float80 {
                        if p == 0 { return 0 }
                        return u > -1 ? p * (u + expm1(-u)) : p * u + q - p
                    }
                    var kl: Float80 = 0
                    var klReverse: Float80 = 0
                    var js: Float80 = 0
                    var magnitude = 0.0  // Σ (p + p̂)|u|: the size of the terms that cancel
                    for j in 0..<n {
                        let (a, b) = (Float80(p[j]), Float80(pq[j]))
                        let u = Float80(lp[j]) - Float80(lq[j])
                        let m = (a + b) / 2
                        kl += term(a, b, u)
                        klReverse += term(b, a, -u)
                        js += term(a, m, log(2 / (1 + exp(-u)))) / 2 + term(b, m, log(2 / (1 + exp(u)))) / 2
                        magnitude += (p[j] + pq[j]) * abs(lp[j] - lq[j])
                    }
                    let tolerance = 1e-13 * magnitude + 1e-18
                    #expect(
                        abs(row.kl - Double(kl)) <= tolerance, "kl \(row.kl) vs \(kl) (scale \(scale), noise \(noise))")
                    #expect(
                        abs(row.klReverse - Double(klReverse)) <= tolerance,
                        "kl_reverse \(row.klReverse) vs \(klReverse)")
                    #expect(
                        abs(row.js - Double(js)) <= tolerance, "js \(row.js) vs \(js) (scale \(scale), noise \(noise))")
                    // JS ≤ log 2 · (Σp + Σp̂)/2: the rows sum to 1 only up to rounding.
                    let mass = 0.5 * (p.reduce(0, +) + pq.reduce(0, +))
                    #expect(row.kl >= 0 && row.klReverse >= 0 && row.js >= 0 && row.js <= log(2) * mass + 1e-15)
                }
            }
        }
    #endif

    @Test("a perfect quantizer gives zero error on every metric")
    func perfect() {
        let data = TrialData.generate(Self.small().dataKey, seed: 2, trial: 1)
        let reference = ReferenceAttention(data: data, logitScale: 1)
        let m = TrialMetrics.compute(
            data: data, reference: reference, keys: data.keys, values: data.values, bitsK: 0, bitsV: 0)
        for metric in Metric.allCases where metric.isMeasured(at: .attention) {
            switch metric {
            case .top8Overlap, .jensenRatio: #expect(m[metric] == 1, "\(metric)")
            default: #expect(m[metric] == 0, "\(metric) = \(m[metric])")
            }
        }
    }

    @Test("jensen_ratio → 1 as the logit noise shrinks")
    func jensen() {
        let data = TrialData.generate(Self.small().dataKey, seed: 3, trial: 0)
        let reference = ReferenceAttention(data: data, logitScale: 1)
        var s = RandomStream(seed: 4, trial: 0, role: .auxiliary)
        let perturbation = (0..<data.keys.storage.count).map { _ in s.gaussian() }
        var gaps: [Double] = []
        for eps in [0.3, 0.03, 0.003] {
            var keys = data.keys
            for i in keys.storage.indices { keys.storage[i] += eps * perturbation[i] }
            let m = TrialMetrics.compute(
                data: data, reference: reference, keys: keys, values: data.values, bitsK: 0, bitsV: 0)
            gaps.append(abs(m[.jensenRatio] - 1))
        }
        #expect(gaps[2] < gaps[1] && gaps[1] < gaps[0])
        #expect(gaps[2] < 0.01)
    }

    @Test("metrics are finite and in range on every scheme", arguments: Scheme.allCases)
    func ranges(scheme: Scheme) {
        let m = TrialEngine().run(Self.small(scheme: scheme, bits: 2), seed: 1, trial: 0)
        for metric in Metric.allCases where metric.isMeasured(at: .attention) {
            #expect(m[metric].isFinite, "\(metric)")
        }
        #expect(m.measured == Metric.allCases.filter { $0.isMeasured(at: .attention) })
        #expect(m[.kl] > 0 && m[.klReverse] > 0 && m[.js] > 0)
        #expect(m[.js] <= log(2))
        #expect(m[.tv] <= 1 && m[.hellinger] <= 1)
        #expect((0...1).contains(m[.top1Flip]) && (0...1).contains(m[.top8Overlap]))
        #expect(m[.kAngle] >= 0 && m[.kAngle] <= Double.pi)
        #expect(abs(m[.klSecondOrder] - 0.5 * m[.logitVar]) < 1e-15)
    }

    @Test("more bits, smaller errors", arguments: Scheme.allCases)
    func monotone(scheme: Scheme) {
        let engine = TrialEngine()
        let low = engine.run(Self.small(scheme: scheme, bits: 2), seed: 1, trial: 0)
        let high = engine.run(Self.small(scheme: scheme, bits: 6), seed: 1, trial: 0)
        #expect(high[.kl] < low[.kl])
        #expect(high[.kAngle] < low[.kAngle])
        #expect(high[.vRelL2] < low[.vRelL2])
    }

    /// The k largest by a full sort (value descending, then index ascending), for rows without NaN.
    static func sortedTop(_ x: [Double], _ k: Int) -> [Int] {
        Array(x.indices.sorted { x[$0] > x[$1] || (x[$0] == x[$1] && $0 < $1) }.prefix(k))
    }

    /// Rows with many ties (values on a coarse grid), rising runs (every value enters) and falling runs
    /// (whole blocks skipped), at lengths around the four-value blocks; NaN rows keep the one-by-one rule
    /// (a NaN taken while fewer than k are held stays, and never enters later).
    @Test("top-k indices equal a full sort, ties to the lower index", arguments: [1, 3, 4, 8, 9, 13, 64, 1021])
    func topIndices(n: Int) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(n)
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 60)  // 16 levels: ties everywhere
        }
        let random: [Double] = (0..<n).map { _ in next() }
        let rising: [Double] = (0..<n).map { Double($0) }
        let falling: [Double] = rising.map { -$0 }
        let sawtooth: [Double] = (0..<n).map { Double($0 % 7) - Double($0) / 64 }
        let rows = [random, rising, falling, sawtooth]
        for row in rows {
            for k in Set([0, 1, min(8, n), n]) {
                let top = row.withUnsafeBufferPointer { QueryMetrics.topIndices($0.baseAddress!, n, k) }
                #expect(top == Self.sortedTop(row, k), "n \(n), k \(k)")
            }
        }
        var withNaN = rows[0]
        withNaN[0] = .nan
        if n > 9 { withNaN[9] = .nan }
        let k = min(8, n)
        let top = withNaN.withUnsafeBufferPointer { QueryMetrics.topIndices($0.baseAddress!, n, k) }
        // The NaN at index 0 is taken first and stays first (no value is greater than it); the other k − 1
        // places hold the largest of the rest; the NaN at 9 never enters (k values are held by then).
        let rest = Self.sortedTop(withNaN.dropFirst().map { $0.isNaN ? -.infinity : $0 }, k - 1).map { $0 + 1 }
        #expect(top == [0] + rest, "n \(n) with NaN")
    }

    /// Signed zeros as the largest value (the first one counts), NaN and −∞ anywhere, at lengths around the
    /// four lanes.
    @Test(
        "the row maximum is the first largest value, as the one-by-one loop finds it", arguments: [1, 3, 4, 5, 9, 64])
    func maximum(n: Int) {
        let pools: [[Double]] = [[-0.0, 0.0, -1, .nan, -.infinity], [-.infinity, .nan], [2.5, -3, .nan, 7, 7, -0.0]]
        var state: UInt64 = 12_345 &+ UInt64(n)
        for pool in pools {
            for _ in 0..<50 {
                let row = (0..<n).map { _ in
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return pool[Int(state >> 33) % pool.count]
                }
                var expected = -Double.infinity
                for v in row where v > expected { expected = v }
                let m = row.withUnsafeBufferPointer { Attention.maximum($0.baseAddress!, n) }
                #expect(m.bitPattern == expected.bitPattern, "\(row)")
            }
        }
    }
}
