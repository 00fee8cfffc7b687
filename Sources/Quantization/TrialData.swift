/// The materialised inputs of one trial, whatever their source (``TrialDataSource``): keys, values,
/// queries, and how much of the cache each query sees.
public struct TrialData: Sendable {
    /// Keys, tokens × dim (every row is quantized).
    public var keys: Matrix
    /// Values, tokens × dim (every row is quantized).
    public var values: Matrix
    /// Queries, queries × dim (never quantized).
    public var queries: Matrix
    /// Per query, the length of the causal prefix of the cache it attends to: query i reads keys and values
    /// 0 ..< `prefixLengths[i]`, as in decoding with a cache. Nil: every query reads all tokens (synthetic
    /// data).
    public var prefixLengths: [Int]?

    /// Wraps existing matrices.
    ///
    /// - Precondition: keys and values have the same shape, queries the same width, and every prefix length
    ///   (one per query) is in 1 ... tokens.
    public init(keys: Matrix, values: Matrix, queries: Matrix, prefixLengths: [Int]? = nil) {
        precondition(keys.rows == values.rows && keys.cols == values.cols && queries.cols == keys.cols)
        if let prefixLengths {
            precondition(prefixLengths.count == queries.rows)
            precondition(prefixLengths.allSatisfy { $0 >= 1 && $0 <= keys.rows })
        }
        self.keys = keys
        self.values = values
        self.queries = queries
        self.prefixLengths = prefixLengths
    }

    /// How many keys query `i` attends to.
    @inline(__always)
    func prefixLength(_ i: Int) -> Int { prefixLengths?[i] ?? keys.rows }
}

extension TrialData {
    /// Generates the data of (data switches, seed, trial) as docs/science.md "Synthetic data" defines it.
    ///
    /// K = Z_K W + σE_K, V = Z_V W_V + σE_V, Q = Z_Q W + σE_Q; then `outliers` random channels of K are
    /// multiplied by `outlierScale`. Depends only on the data switches, the seed and the trial.
    ///
    /// - Parameters:
    ///   - key: the data switches.
    ///   - seed: the run's seed.
    ///   - trial: the trial index.
    /// - Complexity: O((tokens + queries) · rank · dim) for dense mixing, O((tokens + queries) · dim) for axis.
    public static func generate(_ key: DataKey, seed: Int, trial: Int) -> TrialData {
        let w = MixingMatrix(key: key, stream: RandomStream(seed: seed, trial: trial, role: .keyMixing))
        let wv = MixingMatrix(key: key, stream: RandomStream(seed: seed, trial: trial, role: .valueMixing))
        var keys = mixed(
            rows: key.tokens, key: key, mixing: w,
            factors: RandomStream(seed: seed, trial: trial, role: .keyFactors),
            noise: RandomStream(seed: seed, trial: trial, role: .keyNoise))
        let values = mixed(
            rows: key.tokens, key: key, mixing: wv,
            factors: RandomStream(seed: seed, trial: trial, role: .valueFactors),
            noise: RandomStream(seed: seed, trial: trial, role: .valueNoise))
        let queries = mixed(
            rows: key.queries, key: key, mixing: w,
            factors: RandomStream(seed: seed, trial: trial, role: .queryFactors),
            noise: RandomStream(seed: seed, trial: trial, role: .queryNoise))
        if key.outliers > 0 {
            var stream = RandomStream(seed: seed, trial: trial, role: .outlierChannels)
            let channels = stream.distinctIndices(key.outliers, from: key.dim)
            for i in 0..<key.tokens {
                for c in channels { keys[i, c] *= key.outlierScale }
            }
        }
        return TrialData(keys: keys, values: values, queries: queries)
    }

    /// Z W + σE for `rows` vectors.
    ///
    /// In chunks of rows: a chunk's factors are drawn first (the factor stream in row order), its mixing
    /// Z W is one blocked product (each row = Σⱼ zⱼ·Wⱼ added in order j = 0, 1, …, as r axpy calls would),
    /// then its noise is added row by row (the noise stream in row order).
    private static func mixed(
        rows: Int, key: DataKey, mixing: MixingMatrix, factors: RandomStream, noise: RandomStream
    ) -> Matrix {
        var factors = factors
        var noise = noise
        let d = key.dim
        let r = key.rank
        let chunk = 256
        var out = Matrix(rows: rows, cols: d)
        var z = AlignedDoubles(repeating: 0, count: chunk * r)
        var e = [Double](repeating: 0, count: d)
        out.storage.withUnsafeMutableBufferPointer { o in
            z.withUnsafeMutableBufferPointer { zb in
                e.withUnsafeMutableBufferPointer { eb in
                    guard let base = o.baseAddress, let zp = zb.baseAddress, let ep = eb.baseAddress else { return }
                    var start = 0
                    while start < rows {
                        let count = min(chunk, rows - start)
                        factors.samples(key.distribution, into: UnsafeMutableBufferPointer(start: zp, count: count * r))
                        let block = base + start * d
                        switch mixing {
                        case .dense(let w):
                            w.withUnsafeBufferPointer { wb in
                                guard let wp = wb.baseAddress else { return }
                                Kernels.matTVec(wp, rows: r, cols: d, zp, block, count: count)
                            }
                        case .axis(let coordinates):
                            for i in 0..<count {
                                for j in 0..<r { block[i * d + coordinates[j]] += zp[i * r + j] }
                            }
                        }
                        if key.noise > 0 {
                            for i in 0..<count {
                                noise.gaussians(into: eb)
                                let row = block + i * d
                                for c in 0..<d { row[c] += key.noise * ep[c] }
                            }
                        }
                        start += count
                    }
                }
            }
        }
        return out
    }
}

/// The mixing matrix W (rank × dim) of the data generator.
enum MixingMatrix {
    /// Row-major i.i.d. N(0, 1/r) entries.
    case dense(AlignedDoubles)
    /// Row j is the unit vector of coordinate `coordinates[j]` (distinct coordinates).
    case axis([Int])

    init(key: DataKey, stream: RandomStream) {
        var s = stream
        switch key.mixing {
        case .dense:
            let scale = 1 / Double(key.rank).squareRoot()
            self = .dense(s.alignedGaussians(key.rank * key.dim, times: scale))
        case .axis:
            self = .axis(s.distinctIndices(key.rank, from: key.dim))
        }
    }
}
