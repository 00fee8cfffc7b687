import CKernels
import Statistics
import Testing

@testable import Quantization

/// A set of C kernel bodies: `kvlab_avx2_…` or `kvlab_base_…`.
enum CBody: String, CaseIterable, CustomTestStringConvertible {
    case avx2
    case baseline

    /// The bodies this CPU runs: AVX2 where it has AVX2, the baseline ones on x86-64.
    static var available: [CBody] {
        #if arch(x86_64)
            KernelPath.avx2.isSupported ? [.avx2, .baseline] : [.baseline]
        #else
            []
        #endif
    }

    var testDescription: String { rawValue }
}

/// The C kernel bodies (AVX2, and the baseline x86-64 ones) against the Swift ones, bit for bit, on random
/// inputs with odd sizes and tails (each skipped on CPUs that cannot run it).
@Suite("C kernels = Swift kernels", .enabled(if: !CBody.available.isEmpty))
struct KernelPathTests {

    static func vector(_ n: Int, seed: Int) -> [Double] { KernelTests.vector(n, seed: seed) }

    static func sameBits(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
    }

    /// Across the key block (16 rows at d = 128), odd query counts (the two-query blocks' tail), short rows.
    @Test(
        "dots equal the baseline dot products times the scale", .enabled(if: KernelPath.avx2.isSupported),
        arguments: [(1, 4, 4), (2, 8, 12), (3, 20, 128), (5, 68, 128), (4, 36, 132), (7, 500, 8)])
    func dots(queries: Int, keys: Int, n: Int) {
        let q = Self.vector(queries * n, seed: 60)
        let k = Self.vector(keys * n, seed: 61)
        let stride = keys + 3
        var out = [Double](repeating: .nan, count: queries * stride)
        for scale in [1.0, 0.0883883] {
            kvlab_avx2_dots(q, queries, k, keys, n, scale, &out, stride)
            for i in 0..<queries {
                for j in 0..<keys {
                    let expected = q.withUnsafeBufferPointer { qp in
                        k.withUnsafeBufferPointer { kp in
                            scale * Kernels.Vector.dot(qp.baseAddress! + i * n, kp.baseAddress! + j * n, n)
                        }
                    }
                    #expect(out[i * stride + j].bitPattern == expected.bitPattern, "query \(i), key \(j)")
                }
            }
        }
    }

    @Test(
        "accumulate equals the baseline body", .enabled(if: KernelPath.avx2.isSupported),
        arguments: [1, 3, 16, 21, 32, 37, 64, 100, 128, 133])
    func accumulate(n: Int) {
        let count = 11
        let stride = n + 5
        let x = Self.vector(count * stride, seed: 62)
        var a = Self.vector(count, seed: 63)
        a[1] = 0
        a[3] = -0.0
        a[5] = -1
        a[8] = .nan
        for positiveOnly in [false, true] {
            let start = Self.vector(n, seed: 64)
            var fast = start
            var base = start
            x.withUnsafeBufferPointer { xp in
                kvlab_avx2_accumulate(a, xp.baseAddress!, stride, count, &fast, n, positiveOnly ? 1 : 0)
                base.withUnsafeMutableBufferPointer { bp in
                    Kernels.Vector.accumulate(
                        a, rows: xp.baseAddress!, rowStride: stride, count: count, into: bp.baseAddress!, n,
                        positiveOnly: positiveOnly)
                }
            }
            #expect(Self.sameBits(fast, base), "positive only: \(positiveOnly)")
        }
    }

    /// Pairs (baseline) or fours (AVX2) of vectors and the ones left; column strips and their tails (16, 8 and 4
    /// wide, then one at a time); on the AVX2 body, strips copied to contiguous memory (16 vectors or more, up to
    /// 512 rows) or not.
    @Test(
        "transpose_times equals the Swift matTVec sums", arguments: CBody.available,
        [(5, 16, 3), (128, 128, 4), (7, 37, 5), (9, 13, 1), (128, 128, 19), (9, 37, 16), (513, 16, 17)])
    func transposeTimes(body: CBody, shape: (Int, Int, Int)) {
        let (rows, cols, count) = shape
        let m = Self.vector(rows * cols, seed: 70)
        let x = Self.vector(count * rows, seed: 71)
        var y = [Double](repeating: .nan, count: count * cols)
        switch body {
        case .avx2: kvlab_avx2_transpose_times(m, rows, cols, x, &y, count)
        case .baseline: kvlab_base_transpose_times(m, rows, cols, x, &y, count)
        }
        var expected = [Double](repeating: 0, count: count * cols)
        m.withUnsafeBufferPointer { mp in
            expected.withUnsafeMutableBufferPointer { ep in
                for t in 0..<count {
                    Kernels.Vector.accumulate(
                        x.withUnsafeBufferPointer { $0.baseAddress! } + t * rows, rows: mp.baseAddress!,
                        rowStride: cols,
                        count: rows, into: ep.baseAddress! + t * cols, cols, positiveOnly: false)
                }
            }
        }
        #expect(Self.sameBits(y, expected))
    }

    /// Whole 32-column slices and a tail, dimensions below one slice, several 64-row key blocks and a short one,
    /// probabilities that are zero, −0 or negative (skipped).
    @Test(
        "attention outputs equal the baseline accumulate per query", .enabled(if: KernelPath.avx2.isSupported),
        arguments: [(3, 5, 32), (64, 1024, 128), (5, 200, 37), (2, 130, 8), (7, 65, 64)])
    func outputs(queries: Int, n: Int, d: Int) {
        var p = Self.vector(queries * n, seed: 83).map { abs($0) }
        for i in stride(from: 0, to: p.count, by: 7) { p[i] = 0 }
        for i in stride(from: 3, to: p.count, by: 11) { p[i] = -0.0 }
        for i in stride(from: 5, to: p.count, by: 13) { p[i] = -0.5 }
        let v = Self.vector(n * d, seed: 84)
        var fast = [Double](repeating: 0, count: queries * d)
        kvlab_avx2_outputs(p, queries, n, v, d, &fast)
        var base = [Double](repeating: 0, count: queries * d)
        p.withUnsafeBufferPointer { pp in
            v.withUnsafeBufferPointer { vp in
                base.withUnsafeMutableBufferPointer { bp in
                    for i in 0..<queries {
                        Kernels.Vector.accumulate(
                            pp.baseAddress! + i * n, rows: vp.baseAddress!, rowStride: d, count: n,
                            into: bp.baseAddress! + i * d, d, positiveOnly: true)
                    }
                }
            }
        }
        #expect(Self.sameBits(fast, base))
    }

    /// Rows in blocks of four and a tail, d a multiple of 4 or not, zero rows.
    @Test(
        "row geometry equals the Swift norms and sums", arguments: CBody.available,
        [(1, 16), (6, 128), (9, 37), (4, 3)])
    func rowGeometry(body: CBody, shape: (Int, Int)) {
        let (rows, d) = shape
        var x = Self.vector(rows * d, seed: 72)
        let y = Self.vector(rows * d, seed: 73).enumerated().map { x[$0.offset] + 0.1 * $0.element }
        for i in 0..<d { x[i] = 0 }
        var out = [Double](repeating: .nan, count: 5 * rows)
        switch body {
        case .avx2: kvlab_avx2_row_geometry(x, y, rows, d, &out)
        case .baseline: kvlab_base_row_geometry(x, y, rows, d, &out)
        }
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeBufferPointer { yb in
                for r in 0..<rows {
                    let (a, b) = (xb.baseAddress! + r * d, yb.baseAddress! + r * d)
                    let na = Kernels.Vector.dot(a, a, d).squareRoot()
                    let nb = Kernels.Vector.dot(b, b, d).squareRoot()
                    var diff = 0.0
                    var sum = 0.0
                    var err = 0.0
                    for i in 0..<d {
                        let ua = a[i] / na
                        let ub = b[i] / nb
                        diff += (ua - ub) * (ua - ub)
                        sum += (ua + ub) * (ua + ub)
                        err += (a[i] - b[i]) * (a[i] - b[i])
                    }
                    let expected = na == 0 ? [na, nb, err] : [na, nb, diff, sum, err]
                    let got =
                        na == 0 ? [out[5 * r], out[5 * r + 1], out[5 * r + 4]] : Array(out[(5 * r)..<(5 * r + 5)])
                    #expect(Self.sameBits(got, expected), "row \(r)")
                }
            }
        }
    }

    /// Every way of grouping the stages into passes (n = 2^4 … 2^13), with the signs of a rotation round fused
    /// in before or after the transform.
    @Test(
        "FWHT equals the baseline body, signs fused or not", .enabled(if: KernelPath.avx2.isSupported),
        arguments: [16, 32, 64, 128, 256, 512, 1024, 2048, 8192])
    func fwht(n: Int) {
        let x = Self.vector(n, seed: 65)
        let signs = Self.vector(n, seed: 66).map { $0 < 0 ? -1.0 : 1.0 }
        var fast = x
        var base = x
        kvlab_avx2_fwht(&fast, n, nil, nil)
        base.withUnsafeMutableBufferPointer { Kernels.Vector.fwht($0.baseAddress!, n) }
        #expect(Self.sameBits(fast, base))
        var before = x
        kvlab_avx2_fwht(&before, n, signs, nil)
        var signed = zip(x, signs).map(*)
        signed.withUnsafeMutableBufferPointer { Kernels.Vector.fwht($0.baseAddress!, n) }
        #expect(Self.sameBits(before, signed))
        var after = x
        kvlab_avx2_fwht(&after, n, nil, signs)
        #expect(Self.sameBits(after, zip(base, signs).map(*)))
    }

    /// Four rows at once against the baseline body row by row and round by round: every way of grouping the
    /// stages (n = 2^4 … 2^11), one to three rounds, forward and inverse, rows with a stride wider than n and
    /// work space at every 8-byte offset of a 32-byte line.
    @Test(
        "Hadamard rotation of four rows equals the baseline FWHT round by round",
        .enabled(if: KernelPath.avx2.isSupported), arguments: [16, 32, 64, 128, 256, 512, 2048])
    func hadamardRows4(n: Int) {
        let stride = n + 3
        let x = Self.vector(4 * stride, seed: 79)
        let signs = Self.vector(3 * n, seed: 80).map { $0 < 0 ? -1.0 : 1.0 }
        for rounds in 1...3 {
            for inverse in [false, true] {
                var expected = x
                for r in 0..<4 {
                    var row = Array(x[(r * stride)..<(r * stride + n)])
                    for k in 0..<rounds {
                        let d = Array(signs[((inverse ? rounds - 1 - k : k) * n)...].prefix(n))
                        if !inverse { row = zip(row, d).map(*) }
                        row.withUnsafeMutableBufferPointer { Kernels.Vector.fwht($0.baseAddress!, n) }
                        if inverse { row = zip(row, d).map(*) }
                    }
                    expected.replaceSubrange((r * stride)..<(r * stride + n), with: row)
                }
                for offset in 0..<4 {
                    var fast = x
                    var work = [Double](repeating: .nan, count: 4 * n + 4 + offset)
                    work.withUnsafeMutableBufferPointer { w in
                        kvlab_avx2_hadamard_rows4(
                            &fast, stride, n, signs, rounds, inverse ? 1 : 0, w.baseAddress! + offset)
                    }
                    #expect(Self.sameBits(fast, expected), "rounds \(rounds), inverse \(inverse), offset \(offset)")
                }
            }
        }
    }

    /// Six-token tiles and every shorter tail (1…5 tokens), four-output tiles and a tail, inputs with and
    /// without a remainder mod 4, strides wider than the rows.
    @Test(
        "Float32 matmul blocks equal the baseline body", .enabled(if: KernelPath.avx2.isSupported),
        arguments: [(1, 4, 4), (6, 8, 4), (11, 13, 7), (17, 64, 9), (48, 576, 64), (5, 3, 3)])
    func matmulBlock(tokens: Int, inputs: Int, outputs: Int) {
        let (xStride, wStride, yStride) = (inputs + 3, inputs + 1, outputs + 2)
        let x = FloatKernelTests.values(tokens * xStride, seed: 76)
        let w = FloatKernelTests.values(outputs * wStride, seed: 77)
        var fast = [Float](repeating: -7, count: tokens * yStride)
        kvlab_avx2_matmul_block(x, xStride, w, wStride, &fast, yStride, inputs, 0, tokens, 0, outputs)
        let base = FloatKernelTests.bodyMatmul(
            vector: true, x, xStride: xStride, w, wStride: wStride, yStride: yStride, tokens: tokens, inputs: inputs,
            outputs: outputs)
        #expect(fast.map(\.bitPattern) == base.map(\.bitPattern))
    }

    /// Uniforms as RandomStream draws them, (k + ½)·2⁻⁵³, at the ends of (0, 1) and next to every eighth
    /// of a turn (where sin/cos of 2πu change quadrant or octant), then random ones.
    static func uniforms(pairs: Int) -> [Double] {
        func grid(_ k: UInt64) -> Double { (Double(k) + 0.5) * 0x1.0p-53 }
        var special: [Double] = [grid(0), grid(1), grid((1 << 53) - 1), grid((1 << 53) - 2)]
        for eighth in 1..<8 {
            let k = UInt64(eighth) << 50
            special += [grid(k - 1), grid(k), grid(k + 1)]
        }
        var s = RandomStream(seed: 66, trial: 0, role: .auxiliary)
        var u: [Double] = []
        for p in 0..<pairs {
            // Special values as u1 (the log) and as u2 (sin/cos), in turn.
            u.append(p < special.count ? special[p] : s.uniform())
            u.append(p < special.count ? special[special.count - 1 - p] : s.uniform())
        }
        return u
    }

    @Test(
        "Box–Muller equals kvlab's scalar log and sin/cos of 2πu", arguments: CBody.available,
        [1, 3, 4, 5, 17, 25, 1001])
    func boxMuller(body: CBody, pairs: Int) {
        let boxMuller = body == .avx2 ? kvlab_avx2_box_muller : kvlab_base_box_muller
        let u = Self.uniforms(pairs: pairs)
        var out = [Double](repeating: .nan, count: 2 * pairs)
        boxMuller(u, pairs, &out)
        var expected: [Double] = []
        for p in 0..<pairs {
            let radius = (-2 * Elementary.log(u[2 * p])).squareRoot()
            let (sine, cosine) = Elementary.sinCosTwoPi(u[2 * p + 1])
            expected += [radius * cosine, radius * sine]
        }
        #expect(Self.sameBits(out, expected))
        var inPlace = u
        inPlace.withUnsafeMutableBufferPointer { boxMuller($0.baseAddress!, pairs, $0.baseAddress!) }
        #expect(Self.sameBits(inPlace, expected), "in place")
    }
}

extension KernelPathTests {
    @Test("exp of a row equals kvlab's exp, specials included", arguments: CBody.available, [1, 4, 7, 64, 1001])
    func exp(body: CBody, n: Int) {
        let (exp, sumExp) =
            body == .avx2 ? (kvlab_avx2_exp, kvlab_avx2_sum_exp) : (kvlab_base_exp, kvlab_base_sum_exp)
        var x = Self.vector(n, seed: 67).map { $0 * 40 }
        let specials: [Double] = [
            0, -0.0, 707.9, 708, 709.7, 709.8, 710, -708, -744, -745.1, -745.3, -1e308, .infinity, -.infinity, .nan,
            1e-300, -0x1p-1074, 0x1p-30,
        ]
        for (i, v) in specials.enumerated() where i < n { x[(i * 7) % n] = v }
        for factor in [1.0, 0.5] {
            var out = [Double](repeating: 1, count: n)
            exp(x, n, factor, &out)
            #expect(Self.sameBits(out, x.map { Elementary.exp(factor * $0) }), "factor \(factor)")
            let shift = x.filter(\.isFinite).max() ?? 0
            var sum = 0.0
            for v in x { sum += Elementary.exp(v - shift) }
            #expect(sumExp(x, n, shift).bitPattern == sum.bitPattern)
        }
    }

    /// One query's rows at logit scales from nearly uniform to one-hot (p = 0 by underflow, |u| in the
    /// hundreds), with quantization errors small and large, at lengths with and without a tail of four: every
    /// branch of the per-token terms.
    @Test("the per-token metric terms equal the Swift sums", arguments: CBody.available, [1, 5, 37, 1024])
    func queryTerms(body: CBody, n: Int) {
        let terms = body == .avx2 ? kvlab_avx2_query_terms : kvlab_base_query_terms
        for beta in [0.01, 1, 5, 30, 1000] {
            for noise in [1e-6, 0.05, 1] {
                let s = Self.vector(n, seed: 68).map { $0 * beta }
                let e = Self.vector(n, seed: 69)
                let qs = zip(s, e).map { $0 + noise * beta * $1 }
                let logP = Attention.logSoftmaxRows(Matrix(rows: 2, cols: n, storage: s + qs))
                let (lp, lq) = (Array(logP.storage[..<n]), Array(logP.storage[n...]))
                let p = lp.map { Elementary.exp($0) }
                let pq = lq.map { Elementary.exp($0) }
                let root = lp.map { Elementary.exp(0.5 * $0) }
                var fast = [Double](repeating: .nan, count: 9)
                var swift = [Double](repeating: .nan, count: 9)
                terms(s, lp, qs, lq, p, pq, root, n, &fast)
                QueryMetrics.tokenSums(s, lp, qs, lq, p, pq, root, n, into: &swift)
                #expect(Self.sameBits(fast, swift), "beta \(beta), noise \(noise)")
            }
        }
    }
}

/// The path switch itself and what the engine computes on each path. Serialized: it switches the
/// process-wide path (harmless to other suites, since both paths give the same bits).
@Suite("Kernel paths", .serialized)
struct KernelPathSwitchTests {
    /// Runs `body` on `path`, then restores the path that was in use.
    static func on<T>(_ path: KernelPath, _ body: () -> T) -> T {
        let before = KernelPath.current
        KernelPath.select(path)
        defer { KernelPath.select(before) }
        return body()
    }

    static var paths: [KernelPath] { KernelPath.allCases.filter(\.isSupported) }

    @Test("select switches the path; the default is AVX2 exactly where the CPU has it")
    func select() {
        #expect(KernelPath.baseline.isSupported)
        for path in Self.paths { #expect(Self.on(path) { KernelPath.current } == path) }
    }

    /// Counts around the spare value and the four-pair blocks, after an odd number of earlier draws.
    @Test("gaussians(into:) equals repeated gaussian() calls on every path", arguments: [0, 1, 2, 7, 8, 9, 128, 257])
    func gaussians(count: Int) {
        for path in Self.paths {
            for earlier in [0, 1, 2] {
                var one = RandomStream(seed: 7, trial: 3, role: .keyNoise)
                for _ in 0..<earlier { _ = one.gaussian() }
                var block = one
                let expected = (0..<count).map { _ in one.gaussian() }
                let values = Self.on(path) { block.gaussians(count) }
                #expect(KernelPathTests.sameBits(values, expected), "\(path), \(earlier) earlier draws")
                // The same state afterwards (a spare included).
                #expect(block.gaussian().bitPattern == one.gaussian().bitPattern, "\(path), \(earlier)")
            }
        }
    }

    /// Counts around the 64-deviate blocks of the Student-t sampler, after an odd number of earlier draws.
    @Test(
        "samples(_:into:) equals repeated sample(_:) calls on every path, for every law",
        arguments: [0, 1, 63, 64, 65, 200])
    func samples(count: Int) {
        for path in Self.paths {
            for law in Distribution.allCases {
                var one = RandomStream(seed: 11, trial: 2, role: .keyFactors)
                _ = one.gaussian()  // a spare is pending
                var block = one
                let expected = (0..<count).map { _ in one.sample(law) }
                let values = Self.on(path) {
                    [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
                        block.samples(law, into: buffer)
                        initialized = count
                    }
                }
                #expect(KernelPathTests.sameBits(values, expected), "\(path), \(law)")
                #expect(block.gaussian().bitPattern == one.gaussian().bitPattern, "\(path), \(law)")
            }
        }
    }

    @Test(
        "the mean row errors are the same on every path, zero rows included",
        arguments: [(1, 16), (1024, 128), (7, 37)])
    func rowErrors(rows: Int, d: Int) {
        var x = Matrix(rows: rows, cols: d, storage: KernelPathTests.vector(rows * d, seed: 74))
        var y = Matrix(rows: rows, cols: d, storage: KernelPathTests.vector(rows * d, seed: 75))
        for i in 0..<d { x.storage[i] = 0 }
        if rows > 2 { for i in 0..<(2 * d) { y.storage[i] = 0 } }
        let errors = Self.paths.map { path in Self.on(path) { Geometry.rowErrors(x, y) } }
        for e in errors.dropFirst() {
            #expect(
                KernelPathTests.sameBits(
                    [e.angle, e.relL2, e.normRatio, e.absNormRatio],
                    [errors[0].angle, errors[0].relL2, errors[0].normRatio, errors[0].absNormRatio]))
        }
    }

    @Test("the engine gives the same bits on every path (KV, KQV, QKQV, dense and Hadamard QJL, Haar)")
    func engine() {
        var configs: [TrialConfig] = []
        for scheme in [Scheme.KV, .KQV, .QKQV] {
            for (qjl, rotation) in [(QJLKind.gaussian, RotationKind.wht3), (.hadamard, .wht1), (.orthogonal, .haar)] {
                var c = TrialConfig()
                c.scheme = scheme
                c.bits = 4
                c.tokens = 200
                c.queries = 9
                c.qjl = qjl
                c.rotation = rotation
                configs.append(c)
            }
        }
        let results = Self.paths.map { path in
            Self.on(path) { configs.map { TrialEngine().run($0, seed: 11, trial: 2) } }
        }
        for r in results.dropFirst() {
            for (a, b) in zip(r, results[0]) {
                for metric in Metric.allCases { #expect(a[metric].bitPattern == b[metric].bitPattern, "\(metric)") }
            }
        }
    }

    /// Counts with and without a four-row tail, every rotation kind, a dimension below the four-row kernel's.
    @Test(
        "rotating rows in blocks equals rotating them one by one, on every path",
        arguments: [(RotationKind.wht1, 128), (.wht2, 64), (.wht3, 16), (.wht3, 8), (.haar, 16), (.none, 16)])
    func rotationRows(kind: RotationKind, dim: Int) {
        let rotation = Rotation(kind: kind, dim: dim, stream: RandomStream(seed: 3, trial: 1, role: .keyRotation))
        for count in [0, 1, 3, 4, 5, 9] {
            let x = KernelPathTests.vector(count * dim, seed: 81)
            let expected = (0..<count).map { i in Array(x[(i * dim)..<((i + 1) * dim)]) }
            for path in Self.paths {
                Self.on(path) {
                    var forward = x
                    var back = x
                    var scratch = [Double](repeating: 0, count: rotation.blockScratchCount)
                    forward.withUnsafeMutableBufferPointer { f in
                        back.withUnsafeMutableBufferPointer { b in
                            scratch.withUnsafeMutableBufferPointer { s in
                                rotation.apply(rows: f.baseAddress!, count: count, scratch: s.baseAddress!)
                                rotation.applyInverse(rows: b.baseAddress!, count: count, scratch: s.baseAddress!)
                            }
                        }
                    }
                    #expect(
                        KernelPathTests.sameBits(forward, expected.flatMap { rotation.applied(to: $0) }),
                        "\(path), \(count) rows")
                    #expect(
                        KernelPathTests.sameBits(back, expected.flatMap { rotation.inverseApplied(to: $0) }),
                        "\(path), \(count) rows, inverse")
                }
            }
        }
    }

    /// Blocks of four (mse) and eight (prod) rows with a zero row, a non-finite row and a tail: every row decodes
    /// to the bits it gets when it is encoded alone.
    @Test(
        "a quantizer's rows decode the same in blocks as one by one, on every path",
        arguments: [(Recipe.turboMSE, RotationKind.wht3), (.turboMSE, .wht1), (.turboProd, .wht3), (.turboProd, .haar)])
    func quantizerBlocks(recipe: Recipe, rotation kind: RotationKind) {
        let (d, rows) = (64, 19)
        var config = TrialConfig()
        config.dim = d
        config.bits = 3
        config.rotation = kind
        let quantizer = VectorQuantizer(
            recipe: recipe, config: config,
            rotation: Rotation(kind: kind, dim: d, stream: RandomStream(seed: 5, trial: 0, role: .keyRotation)),
            sketch: QJLSketch(kind: .gaussian, dim: d, stream: RandomStream(seed: 5, trial: 0, role: .keySketch)),
            codebooks: CodebookCache())
        var x = KernelPathTests.vector(rows * d, seed: 82)
        for j in 0..<d { x[2 * d + j] = 0 }
        x[5 * d + 7] = .infinity
        let matrix = Matrix(rows: rows, cols: d, storage: x)
        for path in Self.paths {
            let (whole, alone) = Self.on(path) {
                (
                    Array(quantizer.reconstruct(matrix).storage),
                    (0..<rows).flatMap {
                        quantizer.reconstruct(Matrix(rows: 1, cols: d, storage: matrix.row($0))).storage
                    }
                )
            }
            #expect(KernelPathTests.sameBits(whole, alone), "\(path)")
            #expect(whole[(2 * d)..<(3 * d)].allSatisfy { $0 == 0 } && whole[(5 * d)..<(6 * d)].allSatisfy(\.isNaN))
        }
    }

    /// Codebooks of 1…6 bits (the lanes up to 5, the slots beyond) on values from the coordinate law, every
    /// threshold itself and its neighbours, signed zeros, ±∞ and NaN, at lengths with and without a tail.
    @Test("codebook quantization is the same on every path", arguments: [1, 2, 3, 4, 5, 6])
    func codebookQuantize(bits: Int) {
        let codebook = Codebook(law: .beta, dim: 64, bits: bits)
        var x = KernelPathTests.vector(203, seed: 78).map { $0 / 8 }
        for t in codebook.thresholds { x += [t, t.nextUp, t.nextDown] }
        x += [0, -0.0, .infinity, -.infinity, .nan, 1, -1]
        let results = Self.paths.map { path in
            Self.on(path) {
                var out = [Double](repeating: 7, count: x.count)
                codebook.quantize(x, into: &out, count: x.count)
                return out
            }
        }
        let expected = x.map { codebook.centroids[codebook.encodeBySearch($0)] }
        for r in results { #expect(KernelPathTests.sameBits(r, expected)) }
    }

    /// One query's rows at logit scales from nearly uniform to one-hot (p = 0 by underflow, |u| in the
    /// hundreds), with quantization errors small and large: every branch of the per-token terms.
    @Test("the attention metrics of a query are the same on every path", arguments: [1, 5, 37, 1024])
    func queryMetrics(n: Int) {
        for beta in [0.01, 1, 5, 30, 1000] {
            for noise in [1e-6, 0.05, 1] {
                let s = KernelPathTests.vector(n, seed: 68).map { $0 * beta }
                let e = KernelPathTests.vector(n, seed: 69)
                let qs = zip(s, e).map { $0 + noise * beta * $1 }
                let rows = Matrix(rows: 2, cols: n, storage: s + qs)
                let logP = Attention.logSoftmaxRows(rows)
                let p = Attention.exp(logP)
                let root = Attention.exp(logP, times: 0.5)
                let metrics = Self.paths.map { path in
                    Self.on(path) {
                        logP.storage.withUnsafeBufferPointer { lp in
                            p.storage.withUnsafeBufferPointer { pp in
                                root.storage.withUnsafeBufferPointer { rp in
                                    rows.storage.withUnsafeBufferPointer { sp in
                                        let (l, pr, r, sb) = (
                                            lp.baseAddress!, pp.baseAddress!, rp.baseAddress!, sp.baseAddress!
                                        )
                                        let m = QueryMetrics(
                                            logits: sb, logP: l, quantLogits: sb + n, quantLogP: l + n,
                                            probabilities: pr,
                                            quantProbabilities: pr + n, rootProbabilities: r, count: n, topK: min(8, n))
                                        return [
                                            m.kl, m.klReverse, m.js, m.tv, m.hellinger, m.bhattacharyya, m.logitBias,
                                            m.logitVar, m.entropyDelta,
                                        ]
                                    }
                                }
                            }
                        }
                    }
                }
                for other in metrics.dropFirst() {
                    #expect(KernelPathTests.sameBits(other, metrics[0]), "beta \(beta), noise \(noise)")
                }
            }
        }
    }
}
