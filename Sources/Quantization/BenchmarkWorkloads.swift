import Statistics

/// Pure workloads that `kvlab bench` times (the engine itself reads no clock).
public enum BenchmarkWorkloads {
    /// Applies the normalised FWHT to every row of `m` in place.
    ///
    /// - Precondition: `m.cols` is a power of two.
    /// - Complexity: O(rows · d log d).
    public static func fwhtRows(_ m: inout Matrix) {
        let d = m.cols
        let rows = m.rows
        m.storage.withUnsafeMutableBufferPointer { buf in
            guard let p = buf.baseAddress else { return }
            for i in 0..<rows { Kernels.fwht(p + i * d, d) }
        }
    }

    /// Logits, log-softmax and the mean KL(p‖p̂) over queries for exact and quantized keys.
    ///
    /// - Returns: the mean KL over queries.
    /// - Complexity: O(queries · tokens · d).
    public static func attentionKL(queries: Matrix, keys: Matrix, quantizedKeys: Matrix, logitScale: Double) -> Double {
        let scale = logitScale / Double(keys.cols).squareRoot()
        let lp = Attention.logSoftmaxRows(Attention.logits(queries: queries, keys: keys, scale: scale))
        let lq = Attention.logSoftmaxRows(Attention.logits(queries: queries, keys: quantizedKeys, scale: scale))
        var total = 0.0
        let n = keys.rows
        for i in 0..<queries.rows {
            for j in 0..<n {
                let a = lp[i, j]
                let b = lq[i, j]
                let u = a - b
                total += QueryMetrics.klTerm(
                    p: Elementary.exp(a), q: Elementary.exp(b), u: u, expm1MinusU: u > -1 ? Elementary.expm1(-u) : 0)
            }
        }
        return total / Double(queries.rows)
    }
}
