import CKernels
import Statistics

/// The unquantized attention of one trial, computed once and shared by every scheme and budget that
/// evaluates the same data (docs/science.md "Metrics").
public struct ReferenceAttention: Sendable {
    /// Logits s = β⟨q, k⟩/√d, queries × tokens.
    public let logits: Matrix
    /// log p (log-softmax of each row of `logits`), queries × tokens.
    public let logProbabilities: Matrix
    /// Outputs o = Σ_j p_j v_j, queries × dim.
    public let outputs: Matrix
    /// p = exp(log p), queries × tokens (cached: every scheme's metrics use it).
    public let probabilities: Matrix
    /// √p = exp(½ log p), queries × tokens (cached for the Hellinger and Bhattacharyya terms).
    public let rootProbabilities: Matrix
    /// The logit scale β/√d.
    public let scale: Double
    /// Per query, the indices of its top min(8, visible tokens) logits, largest first
    /// (``QueryMetrics/topIndices(_:_:_:)``): the same for every scheme, so found once.
    public let topTokens: [[Int]]

    /// Computes the reference attention of a trial.
    ///
    /// - Parameters:
    ///   - data: keys, values and queries.
    ///   - logitScale: β.
    /// - Complexity: O(queries · tokens · dim).
    public init(data: TrialData, logitScale: Double) {
        scale = logitScale / Double(data.keys.cols).squareRoot()
        logits = Attention.logits(queries: data.queries, keys: data.keys, scale: scale)
        logProbabilities = Attention.logSoftmaxRows(logits, prefixLengths: data.prefixLengths)
        probabilities = Attention.exp(logProbabilities)
        outputs = Attention.outputs(probabilities: probabilities, values: data.values)
        rootProbabilities = Attention.exp(logProbabilities, times: 0.5)
        let (scores, n) = (logits, logits.cols)
        topTokens = scores.storage.withUnsafeBufferPointer { s in
            (0..<data.queries.rows).map { i in
                let count = data.prefixLength(i)
                return s.baseAddress.map { QueryMetrics.topIndices($0 + i * n, count, min(8, count)) } ?? []
            }
        }
    }
}

/// Attention kernels shared by the reference and the quantized evaluation.
enum Attention {
    /// How many key or value rows of `d` values make about 16 KB, a multiple of 4: a block that stays in
    /// the L1 cache while every query passes over it.
    static func cacheBlockRows(dim d: Int) -> Int { max(4, 2048 / max(d, 1) / 4 * 4) }

    /// scale · Q Kᵀ (queries × tokens).
    ///
    /// Blocked over keys (every query visits one L1-sized block of keys before the next block); each
    /// logit is the same ``Kernels/dot4(_:_:stride:_:)`` or ``Kernels/dot(_:_:_:)`` as in a plain loop.
    static func logits(queries q: Matrix, keys k: Matrix, scale: Double) -> Matrix {
        let d = q.cols
        let n = k.rows
        return Matrix(rows: q.rows, cols: n) { op in
            q.storage.withUnsafeBufferPointer { qb in
                k.storage.withUnsafeBufferPointer { kb in
                    guard let qp = qb.baseAddress, let kp = kb.baseAddress else { return }
                    let blocked = d % 4 == 0 ? n / 4 * 4 : 0
                    let block = cacheBlockRows(dim: d)
                    var start = KernelPath.usesAVX2 ? blocked : 0
                    if start > 0 { kvlab_avx2_dots(qp, q.rows, kp, blocked, d, scale, op, n) }
                    while start < blocked {
                        let end = min(start + block, blocked)
                        for i in 0..<q.rows {
                            let row = op + i * n
                            let query = qp + i * d
                            var j = start
                            while j < end {
                                let four = Kernels.dot4(query, kp + j * d, stride: d, d)
                                row[j] = scale * four.0
                                row[j + 1] = scale * four.1
                                row[j + 2] = scale * four.2
                                row[j + 3] = scale * four.3
                                j += 4
                            }
                        }
                        start = end
                    }
                    for i in 0..<q.rows {
                        for j in blocked..<n { op[i * n + j] = scale * Kernels.dot(qp + i * d, kp + j * d, d) }
                    }
                }
            }
        }
    }

    /// Row-wise log-softmax by log-sum-exp, over each row's causal prefix.
    ///
    /// - Parameters:
    ///   - s: logits, queries × tokens.
    ///   - prefixLengths: per row, how many leading entries take part (nil: all); the others become −∞, so
    ///     their probability is exactly 0 and every later sum skips them or adds nothing.
    static func logSoftmaxRows(_ s: Matrix, prefixLengths: [Int]? = nil) -> Matrix {
        let n = s.cols
        return Matrix(rows: s.rows, cols: n) { op in
            s.storage.withUnsafeBufferPointer { sb in
                guard let sp = sb.baseAddress else { return }
                for i in 0..<s.rows {
                    let logits = sp + i * n
                    let row = op + i * n
                    let length = prefixLengths?[i] ?? n
                    let lse = logSumExp(logits, length)
                    for j in 0..<length { row[j] = logits[j] - lse }
                    for j in length..<n { row[j] = -.infinity }
                }
            }
        }
    }

    /// log Σ exp(x_j), stable.
    static func logSumExp(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
        let m = maximum(x, n)
        guard m.isFinite else { return m }
        var sum = 0.0
        if KernelPath.usesAVX2 {
            sum = kvlab_avx2_sum_exp(x, n, m)
        } else if KernelPath.usesBaselineC {
            sum = kvlab_base_sum_exp(x, n, m)
        } else {
            for j in 0..<n { sum += Elementary.exp(x[j] - m) }
        }
        return m + Elementary.log(sum)
    }

    /// The first of the largest of `n` values (−∞ when there is none, NaN never counts), as the loop
    /// `for j in 0..<n where x[j] > m { m = x[j] }` from m = −∞ finds it.
    ///
    /// Four lanes each keep their largest, then the lanes are compared. A nonzero largest value has one bit
    /// pattern, so which lane held it first does not matter; a largest value of zero (+0 and −0 compare
    /// equal, and the loop keeps the first) is found again by the loop.
    static func maximum(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
        var lanes = SIMD4<Double>(repeating: -.infinity)
        let raw = UnsafeRawPointer(x)
        var j = 0
        while j &+ 4 <= n {
            let four = raw.loadUnaligned(fromByteOffset: j &* 8, as: SIMD4<Double>.self)
            lanes.replace(with: four, where: four .> lanes)
            j &+= 4
        }
        var m = -Double.infinity
        for lane in 0..<4 where lanes[lane] > m { m = lanes[lane] }
        while j < n {
            if x[j] > m { m = x[j] }
            j &+= 1
        }
        guard m == 0 else { return m }
        m = -.infinity
        for j in 0..<n where x[j] > m { m = x[j] }
        return m
    }

    /// exp(factor · x), elementwise: p = exp(log p), √p = exp(½ log p).
    static func exp(_ x: Matrix, times factor: Double = 1) -> Matrix {
        guard KernelPath.usesAVX2 || KernelPath.usesBaselineC else {
            return Matrix(rows: x.rows, cols: x.cols, storage: x.storage.lazy.map { Elementary.exp(factor * $0) })
        }
        return Matrix(rows: x.rows, cols: x.cols) { out in
            x.storage.withUnsafeBufferPointer { b in
                guard let p = b.baseAddress else { return }
                if KernelPath.usesAVX2 {
                    kvlab_avx2_exp(p, b.count, factor, out)
                } else {
                    kvlab_base_exp(p, b.count, factor, out)
                }
            }
        }
    }

    /// o_i = Σ_j p_ij v_j (queries × dim); terms with p_ij = 0 are skipped.
    ///
    /// Blocked over value rows (every query visits one L1-sized block before the next); each o_i still
    /// adds p_ij v_j for j = 0, 1, … in order, as a plain loop does. On the AVX2 path, 32-column slices of
    /// the value blocks are copied to contiguous memory first (`kvlab_avx2_outputs`).
    static func outputs(probabilities pm: Matrix, values v: Matrix) -> Matrix {
        var out = Matrix(rows: pm.rows, cols: v.cols)
        let d = v.cols
        let n = pm.cols
        pm.storage.withUnsafeBufferPointer { pb in
            v.storage.withUnsafeBufferPointer { vb in
                out.storage.withUnsafeMutableBufferPointer { ob in
                    guard let pp = pb.baseAddress, let vp = vb.baseAddress, let op = ob.baseAddress else { return }
                    if KernelPath.usesAVX2 { return kvlab_avx2_outputs(pp, pm.rows, n, vp, d, op) }
                    let block = cacheBlockRows(dim: d)
                    var start = 0
                    while start < n {
                        let end = min(start + block, n)
                        for i in 0..<pm.rows {
                            Kernels.accumulate(
                                pp + i * n + start, rows: vp + start * d, rowStride: d, count: end - start,
                                into: op + i * d, d, positiveOnly: true)
                        }
                        start = end
                    }
                }
            }
        }
        return out
    }
}
