import CKernels
import Statistics

/// Computes every metric of docs/science.md for one trial from the reference and the decoded K̂, V̂.
public enum TrialMetrics {
    /// The metrics of one trial.
    ///
    /// - Parameters:
    ///   - data: the exact K, V and queries.
    ///   - reference: the exact attention of `data`.
    ///   - keys: decoded keys K̂ (tokens × d).
    ///   - values: decoded values V̂ (tokens × d).
    ///   - bitsK: effective bits per K coordinate.
    ///   - bitsV: effective bits per V coordinate.
    /// - Returns: every metric; attention metrics are means over queries (each over its causal prefix of
    ///   the cache when `data.prefixLengths` is set), geometric ones over all tokens.
    /// - Complexity: O(queries · tokens · d).
    public static func compute(
        data: TrialData, reference: ReferenceAttention, keys: Matrix, values: Matrix, bitsK: Double, bitsV: Double
    ) -> MetricValues {
        compute(
            data: data, reference: reference, keys: keys, keyErrors: Geometry.rowErrors(data.keys, keys),
            values: values, valueErrors: Geometry.rowErrors(data.values, values), bitsK: bitsK, bitsV: bitsV)
    }

    /// The metrics of one trial, given the geometry of K̂ and V̂ (`Geometry.rowErrors` against the data), which
    /// a reconstruction shared by several configs computes once.
    static func compute(
        data: TrialData, reference: ReferenceAttention, keys: Matrix, keyErrors kErr: Geometry.RowErrors,
        values: Matrix, valueErrors vErr: Geometry.RowErrors, bitsK: Double, bitsV: Double
    ) -> MetricValues {
        var m = MetricValues()
        m[.kAngle] = kErr.angle
        m[.kRelL2] = kErr.relL2
        m[.kNormRatio] = kErr.normRatio
        m[.vAngle] = vErr.angle
        m[.vRelL2] = vErr.relL2
        m[.vNormRatio] = vErr.normRatio
        m[.bitsK] = bitsK
        m[.bitsV] = bitsV

        let quantLogits = Attention.logits(queries: data.queries, keys: keys, scale: reference.scale)
        let quantLogP = Attention.logSoftmaxRows(quantLogits, prefixLengths: data.prefixLengths)
        let quantP = Attention.exp(quantLogP)
        let quantOutputs = Attention.outputs(probabilities: quantP, values: values)
        let q = data.queries.rows
        // The reference's top tokens, when they fit these data (the reference is documented to be theirs).
        let referenceTops = reference.topTokens.count == q ? reference.topTokens : nil
        let n = data.keys.rows
        let d = data.keys.cols
        var sums = [Double](repeating: 0, count: Metric.allCases.count)
        let geoKV =
            kErr.absNormRatio * kErr.absNormRatio + kErr.angle * kErr.angle
            + vErr.absNormRatio * vErr.absNormRatio + vErr.angle * vErr.angle

        reference.logits.storage.withUnsafeBufferPointer { sb in
            reference.logProbabilities.storage.withUnsafeBufferPointer { lpb in
                quantLogits.storage.withUnsafeBufferPointer { qsb in
                    quantLogP.storage.withUnsafeBufferPointer { lqb in
                        reference.outputs.storage.withUnsafeBufferPointer { ob in
                            quantOutputs.storage.withUnsafeBufferPointer { qob in
                                reference.probabilities.storage.withUnsafeBufferPointer { pb in
                                    reference.rootProbabilities.storage.withUnsafeBufferPointer { rb in
                                        quantP.storage.withUnsafeBufferPointer { qpb in
                                            guard let s0 = sb.baseAddress, let lp0 = lpb.baseAddress,
                                                let qs0 = qsb.baseAddress,
                                                let lq0 = lqb.baseAddress, let o0 = ob.baseAddress,
                                                let qo0 = qob.baseAddress,
                                                let p0 = pb.baseAddress, let r0 = rb.baseAddress,
                                                let qp0 = qpb.baseAddress
                                            else { return }
                                            for i in 0..<q {
                                                // Causal data: the query sees its prefix of the cache only.
                                                let count = data.prefixLength(i)
                                                let row = QueryMetrics(
                                                    logits: s0 + i * n, logP: lp0 + i * n, quantLogits: qs0 + i * n,
                                                    quantLogP: lq0 + i * n, probabilities: p0 + i * n,
                                                    quantProbabilities: qp0 + i * n,
                                                    rootProbabilities: r0 + i * n, count: count,
                                                    topK: min(8, count),
                                                    referenceTop: referenceTops.flatMap {
                                                        $0[i].count == min(8, count) ? $0[i] : nil
                                                    })
                                                sums[Metric.kl.index] += row.kl
                                                sums[Metric.klReverse.index] += row.klReverse
                                                sums[Metric.js.index] += row.js
                                                sums[Metric.tv.index] += row.tv
                                                sums[Metric.hellinger.index] += row.hellinger
                                                sums[Metric.bhattacharyya.index] += row.bhattacharyya
                                                sums[Metric.top1Flip.index] += row.top1Flip
                                                sums[Metric.top8Overlap.index] += row.topOverlap
                                                sums[Metric.logitBias.index] += row.logitBias
                                                sums[Metric.logitVar.index] += row.logitVar
                                                sums[Metric.entropyDelta.index] += row.entropyDelta
                                                let oAngle = Geometry.angle(o0 + i * d, qo0 + i * d, d)
                                                let oErr = Geometry.relativeErrors(o0 + i * d, qo0 + i * d, d)
                                                sums[Metric.oAngle.index] += oAngle
                                                sums[Metric.oRelL2.index] += oErr.relL2
                                                sums[Metric.oNormRatio.index] += oErr.normRatio
                                                let geo = geoKV + oErr.normRatio * oErr.normRatio + oAngle * oAngle
                                                sums[Metric.dist6Geo.index] += geo.squareRoot()
                                                let div =
                                                    row.kl * row.kl + row.klReverse * row.klReverse + row.js * row.js
                                                    + row.tv * row.tv + row.hellinger * row.hellinger
                                                    + row.bhattacharyya * row.bhattacharyya
                                                sums[Metric.dist6Div.index] += div.squareRoot()
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let perQuery: [Metric] = [
            .kl, .klReverse, .js, .tv, .hellinger, .bhattacharyya, .top1Flip, .top8Overlap, .logitBias, .logitVar,
            .entropyDelta, .oAngle, .oRelL2, .oNormRatio, .dist6Geo, .dist6Div,
        ]
        for metric in perQuery { m[metric] = sums[metric.index] / Double(q) }
        m[.klSecondOrder] = 0.5 * m[.logitVar]
        if m[.kl] == 0 && m[.klSecondOrder] == 0 {
            m[.jensenRatio] = 1
        } else {
            m[.jensenRatio] = m[.kl] / m[.klSecondOrder]
        }
        return m
    }
}

/// The attention metrics of one query (docs/science.md "Metrics"), in forms that are non-negative by
/// construction where the quantity is (KL as Σ p(u + e^{−u} − 1), Hellinger as ½Σ(√p − √p̂)²).
struct QueryMetrics {
    var kl = 0.0
    var klReverse = 0.0
    var js = 0.0
    var tv = 0.0
    var hellinger = 0.0
    var bhattacharyya = 0.0
    var top1Flip = 0.0
    var topOverlap = 0.0
    var logitBias = 0.0
    var logitVar = 0.0
    var entropyDelta = 0.0

    init(
        logits s: UnsafePointer<Double>, logP lp: UnsafePointer<Double>, quantLogits qs: UnsafePointer<Double>,
        quantLogP lq: UnsafePointer<Double>, probabilities pRef: UnsafePointer<Double>,
        quantProbabilities pQuant: UnsafePointer<Double>,
        rootProbabilities rootRef: UnsafePointer<Double>, count n: Int, topK: Int, referenceTop: [Int]? = nil
    ) {
        var hellingerSquared = 0.0
        var entropy = 0.0
        var quantEntropy = 0.0
        var bias = 0.0
        var second = 0.0
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 9) { buffer in
            guard let t = buffer.baseAddress else { return }
            if KernelPath.usesAVX2 {
                kvlab_avx2_query_terms(s, lp, qs, lq, pRef, pQuant, rootRef, n, t)
            } else if KernelPath.usesBaselineC {
                kvlab_base_query_terms(s, lp, qs, lq, pRef, pQuant, rootRef, n, t)
            } else {
                QueryMetrics.tokenSums(s, lp, qs, lq, pRef, pQuant, rootRef, n, into: t)
            }
            (kl, klReverse, js, tv, hellingerSquared) = (t[0], t[1], t[2], t[3], t[4])
            (entropy, quantEntropy, bias, second) = (t[5], t[6], t[7], t[8])
        }
        tv *= 0.5
        hellingerSquared = min(1, 0.5 * hellingerSquared)
        hellinger = hellingerSquared.squareRoot()
        if hellingerSquared < 1 - 1e-8 {
            bhattacharyya = -Elementary.log1p(-hellingerSquared)
        } else {
            // Σ√(p p̂) = 1 − H² is below 1e-8: 1 − H² has lost its digits (and is 0, giving +∞, once the
            // supports barely overlap, e.g. at logit_scale 1000). −ln Σ√(p p̂) in log space instead.
            bhattacharyya = -QueryMetrics.logSumExpHalf(lp, lq, n)
        }
        entropyDelta = quantEntropy - entropy
        logitBias = bias
        logitVar = max(0, second - bias * bias)
        let top = referenceTop ?? QueryMetrics.topIndices(s, n, topK)
        let quantTop = QueryMetrics.topIndices(qs, n, topK)
        top1Flip = top[0] == quantTop[0] ? 0 : 1
        let common = top.filter { quantTop.contains($0) }.count
        topOverlap = Double(common) / Double(2 * topK - common)
    }

    /// The per-token sums of one query over its n visible tokens, in token order: sums = (KL, reverse KL, JS,
    /// TV, Σ(√p − √p̂)², entropy, quantized entropy, logit bias, Σ p·δ²) with TV, the Hellinger sum and the
    /// entropies not yet scaled or compared. The Swift body of `kvlab_avx2_query_terms` and
    /// `kvlab_base_query_terms` (which KernelPathTests compare with it bit for bit), and the one other CPUs run.
    static func tokenSums(
        _ s: UnsafePointer<Double>, _ lp: UnsafePointer<Double>, _ qs: UnsafePointer<Double>,
        _ lq: UnsafePointer<Double>, _ pRef: UnsafePointer<Double>, _ pQuant: UnsafePointer<Double>,
        _ rootRef: UnsafePointer<Double>, _ n: Int, into sums: UnsafeMutablePointer<Double>
    ) {
        var kl = 0.0
        var klReverse = 0.0
        var js = 0.0
        var tv = 0.0
        var hellingerSquared = 0.0
        var entropy = 0.0
        var quantEntropy = 0.0
        var bias = 0.0
        var second = 0.0
        for j in 0..<n {
            let p = pRef[j]  // = exp(lp[j]), cached by the reference
            let pq = pQuant[j]  // = exp(lq[j]), also used for the outputs
            let u = lp[j] - lq[j]  // log(p/p̂)
            let a = abs(u)
            // One expm1 serves all four KL terms: e^{−|u|} − 1, and e^{|u|} − 1 = −e/(1 + e) where it is
            // used (|u| < 1.49: beyond, the terms that need it take their other form).
            let e = Elementary.expm1(-a)
            let f = a < 1.5 ? -e / (1 + e) : .infinity
            let (expm1MinusU, expm1U) = u >= 0 ? (e, f) : (f, e)
            kl += QueryMetrics.klTerm(p: p, q: pq, u: u, expm1MinusU: expm1MinusU)
            klReverse += QueryMetrics.klTerm(p: pq, q: p, u: -u, expm1MinusU: expm1U)
            // JS: ½KL(p‖m) + ½KL(p̂‖m), with m/p − 1 = (e^{−u} − 1)/2 and m/p̂ − 1 = (e^{u} − 1)/2, so
            // log(p/m) = −log1p((e^{−u} − 1)/2), accurate as u → 0; beyond |u| = ¾ (where e^{|u|} − 1 is
            // not at hand for large |u|) log(p/m) = log 2 − softplus(−u), log(p̂/m) = log 2 − softplus(u).
            let m = 0.5 * (p + pq)
            let (logPOverM, logQOverM) = QueryMetrics.logRatiosToMidpoint(
                u, magnitude: a, expm1MinusU: expm1MinusU, expm1U: expm1U)
            js += 0.5 * QueryMetrics.klTerm(p: p, q: m, u: logPOverM, expm1MinusU: 0.5 * expm1MinusU)
            js += 0.5 * QueryMetrics.klTerm(p: pq, q: m, u: logQOverM, expm1MinusU: 0.5 * expm1U)
            tv += abs(p - pq)
            let root = rootRef[j] - Elementary.exp(0.5 * lq[j])
            hellingerSquared += root * root
            if p > 0 { entropy -= p * lp[j] }
            if pq > 0 { quantEntropy -= pq * lq[j] }
            let delta = qs[j] - s[j]
            bias += p * delta
            second += p * delta * delta
        }
        (sums[0], sums[1], sums[2], sums[3], sums[4]) = (kl, klReverse, js, tv, hellingerSquared)
        (sums[5], sums[6], sums[7], sums[8]) = (entropy, quantEntropy, bias, second)
    }

    /// One term p·(u + e^{−u} − 1) of KL(p‖q) = Σ p u, with u = log(p/q), p e^{−u} = q and
    /// `expm1MinusU` = e^{−u} − 1 (read only when u > −1); ≥ 0 and free of cancellation for small u.
    @inline(__always)
    static func klTerm(p: Double, q: Double, u: Double, expm1MinusU: Double) -> Double {
        if p == 0 { return 0 }
        if u > -1 { return p * (u + expm1MinusU) }
        return p * u + q - p
    }

    /// log Σ_j exp(½(lp_j + lq_j)) = log Σ√(p p̂), without underflow; −∞ when the supports are disjoint.
    static func logSumExpHalf(_ lp: UnsafePointer<Double>, _ lq: UnsafePointer<Double>, _ n: Int) -> Double {
        var top = -Double.infinity
        for j in 0..<n { top = max(top, 0.5 * (lp[j] + lq[j])) }
        guard top.isFinite else { return top }
        var sum = 0.0
        for j in 0..<n { sum += Elementary.exp(0.5 * (lp[j] + lq[j]) - top) }
        return top + Elementary.log(sum)
    }

    /// (log(p/m), log(p̂/m)) for m = (p + p̂)/2, u = log(p/p̂) and a = |u|, given e^{−u} − 1 and e^{u} − 1 (the
    /// latter read only for |u| < ¾): −log1p of half of each for |u| < ¾, else through the stable
    /// softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^{−|x|}).
    @inline(__always)
    static func logRatiosToMidpoint(_ u: Double, magnitude a: Double, expm1MinusU: Double, expm1U: Double)
        -> (Double, Double)
    {
        if a < 0.75 {
            return (-Elementary.log1p(0.5 * expm1MinusU), -Elementary.log1p(0.5 * expm1U))
        }
        let shared = Elementary.log1p(Elementary.exp(-a))  // log(1 + e^{−|u|})
        let near = ln2 - shared  // log 2 − softplus(−|u|)
        let far = ln2 - (a + shared)  // log 2 − softplus(|u|)
        return u > 0 ? (near, far) : (far, near)
    }

    /// ln 2, rounded.
    static let ln2 = 0x1.62e42fefa39efp-1

    /// Indices of the k largest values (ties: lower index first), largest first.
    ///
    /// Once k values are held, a value enters only if it is greater than the smallest of them, so blocks of
    /// four values none of which is greater are skipped with one comparison of four lanes (a NaN is never
    /// greater, as in the one-by-one test).
    static func topIndices(_ x: UnsafePointer<Double>, _ n: Int, _ k: Int) -> [Int] {
        guard k > 0 else { return [] }
        let raw = UnsafeRawPointer(x)
        return [Int](unsafeUninitializedCapacity: k) { best, held in
            held = 0
            var j = 0
            while j < n {
                if held == k {
                    let threshold = x[best[k - 1]]
                    while j &+ 4 <= n {
                        let four = raw.loadUnaligned(fromByteOffset: j &* 8, as: SIMD4<Double>.self)
                        if any(four .> SIMD4(repeating: threshold)) { break }
                        j &+= 4
                    }
                    guard j < n else { break }
                    if !(x[j] > threshold) {
                        j &+= 1
                        continue
                    }
                }
                // Insert j after every held index whose value is not smaller; a full list drops its last.
                var pos = min(held, k - 1)
                while pos > 0 && x[j] > x[best[pos - 1]] {
                    best[pos] = best[pos - 1]
                    pos -= 1
                }
                best[pos] = j
                held = min(held + 1, k)
                j &+= 1
            }
        }
    }
}
