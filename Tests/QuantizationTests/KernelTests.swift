import Statistics
import Testing

@testable import Quantization

/// The fast kernels against plain reference implementations, bit for bit.
@Suite("Kernels = reference implementations")
struct KernelTests {
    /// The reference dot product: four scalar partial sums, (s₀ + s₁) + (s₂ + s₃).
    static func referenceDot(_ a: [Double], _ b: [Double]) -> Double {
        var s = [0.0, 0.0, 0.0, 0.0]
        let n = a.count
        var i = 0
        while i + 4 <= n {
            for k in 0..<4 { s[k] += a[i + k] * b[i + k] }
            i += 4
        }
        while i < n {
            s[0] += a[i] * b[i]
            i += 1
        }
        return (s[0] + s[1]) + (s[2] + s[3])
    }

    /// The textbook in-place FWHT, normalised.
    static func referenceFWHT(_ x: [Double]) -> [Double] {
        var y = x
        var h = 1
        while h < y.count {
            for i in stride(from: 0, to: y.count, by: 2 * h) {
                for j in i..<(i + h) {
                    let a = y[j]
                    let b = y[j + h]
                    y[j] = a + b
                    y[j + h] = a - b
                }
            }
            h *= 2
        }
        let scale = 1 / Double(y.count).squareRoot()
        return y.map { $0 * scale }
    }

    static func vector(_ n: Int, seed: Int) -> [Double] {
        var s = RandomStream(seed: seed, trial: 0, role: .auxiliary)
        return (0..<n).map { _ in s.gaussian() * 3 }
    }

    /// Which body a test exercises: both are compiled in every build (the dispatching entry points pick
    /// ``Kernels/Vector`` in optimised builds and ``Kernels/Scalar`` in debug builds).
    enum Body: String, CaseIterable, CustomTestStringConvertible {
        case scalar, vector
        var testDescription: String { rawValue }
    }

    @Test("dot and dot4 equal the reference sums bit for bit", arguments: Body.allCases, [5, 16, 128, 131])
    func dots(body: Body, n: Int) {
        let a = Self.vector(n, seed: 1)
        let keys = (0..<4).map { Self.vector(n, seed: 10 + $0) }
        let expected = keys.map { Self.referenceDot(a, $0) }
        a.withUnsafeBufferPointer { ap in
            for (k, key) in keys.enumerated() {
                key.withUnsafeBufferPointer { kp in
                    let value =
                        body == .scalar
                        ? Kernels.Scalar.dot(ap.baseAddress!, kp.baseAddress!, n)
                        : Kernels.Vector.dot(ap.baseAddress!, kp.baseAddress!, n)
                    #expect(value.bitPattern == expected[k].bitPattern)
                }
            }
            guard n % 4 == 0 else { return }
            let flat = keys.flatMap { $0 }
            flat.withUnsafeBufferPointer { fp in
                let four =
                    body == .scalar
                    ? Kernels.Scalar.dot4(ap.baseAddress!, fp.baseAddress!, stride: n, n)
                    : Kernels.Vector.dot4(ap.baseAddress!, fp.baseAddress!, stride: n, n)
                let lanes = [four.0, four.1, four.2, four.3]
                for k in 0..<4 { #expect(lanes[k].bitPattern == expected[k].bitPattern) }
            }
        }
    }

    @Test("matVec and matTVec, one vector or a batch, equal the reference sums bit for bit", arguments: [5, 16, 131])
    func matrixProducts(n: Int) {
        let rows = 6
        let count = 3
        let m = (0..<rows).map { Self.vector(n, seed: 20 + $0) }
        let xs = (0..<count).map { Self.vector(n, seed: 30 + $0) }
        let zs = (0..<count).map { Self.vector(rows, seed: 35 + $0) }
        for batch in [1, count] {
            var y = [Double](repeating: .nan, count: batch * rows)
            var w = [Double](repeating: .nan, count: batch * n)
            m.flatMap { $0 }.withUnsafeBufferPointer { mp in
                Kernels.matVec(mp.baseAddress!, rows: rows, cols: n, xs.flatMap { $0 }, &y, count: batch)
                Kernels.matTVec(mp.baseAddress!, rows: rows, cols: n, zs.flatMap { $0 }, &w, count: batch)
            }
            for t in 0..<batch {
                for i in 0..<rows { #expect(y[t * rows + i].bitPattern == Self.referenceDot(m[i], xs[t]).bitPattern) }
                for j in 0..<n {
                    var sum = 0.0
                    for i in 0..<rows { sum += zs[t][i] * m[i][j] }
                    #expect(w[t * n + j].bitPattern == sum.bitPattern, "batch \(batch), vector \(t), column \(j)")
                }
            }
        }
    }

    @Test("axpy equals y[i] + a·x[i]", arguments: Body.allCases, [7, 128])
    func axpy(body: Body, n: Int) {
        let x = Self.vector(n, seed: 2)
        var y = Self.vector(n, seed: 3)
        let expected = zip(y, x).map { $0 + 0.37 * $1 }
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                if body == .scalar {
                    Kernels.Scalar.axpy(0.37, xp.baseAddress!, yp.baseAddress!, n)
                } else {
                    Kernels.Vector.axpy(0.37, xp.baseAddress!, yp.baseAddress!, n)
                }
            }
        }
        #expect(zip(y, expected).allSatisfy { $0.bitPattern == $1.bitPattern })
    }

    @Test(
        "accumulate equals a sequence of axpy calls bit for bit", arguments: Body.allCases, [3, 16, 21, 37, 128])
    func accumulate(body: Body, n: Int) {
        let count = 9
        let stride = n + 2
        let x = Self.vector(count * stride, seed: 50)
        /// (kernel result, sequential reference) for coefficients a.
        func run(_ a: [Double], positiveOnly: Bool) -> ([Double], [Double]) {
            var expected = Self.vector(n, seed: 52)
            var y = expected
            for k in 0..<count where !positiveOnly || a[k] > 0 {
                for c in 0..<n { expected[c] += a[k] * x[k * stride + c] }
            }
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    let (rows, out) = (xp.baseAddress!, yp.baseAddress!)
                    if body == .scalar {
                        Kernels.Scalar.accumulate(
                            a, rows: rows, rowStride: stride, count: count, into: out, n, positiveOnly: positiveOnly)
                    } else {
                        Kernels.Vector.accumulate(
                            a, rows: rows, rowStride: stride, count: count, into: out, n, positiveOnly: positiveOnly)
                    }
                }
            }
            return (y, expected)
        }
        var a = Self.vector(count, seed: 51)
        a[2] = 0
        a[4] = -0.0
        a[6] = 0.5
        for positiveOnly in [false, true] {
            let (y, expected) = run(a, positiveOnly: positiveOnly)
            #expect(zip(y, expected).allSatisfy { $0.bitPattern == $1.bitPattern }, "positive only: \(positiveOnly)")
        }
        a[6] = .nan
        let (y, expected) = run(a, positiveOnly: true)
        #expect(zip(y, expected).allSatisfy { $0.bitPattern == $1.bitPattern }, "a NaN coefficient is skipped")
        let (all, _) = run(a, positiveOnly: false)
        #expect(all.allSatisfy { $0.isNaN }, "a NaN coefficient makes every sum NaN")
    }

    @Test(
        "FWHT equals the textbook loop bit for bit", arguments: Body.allCases,
        [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096])
    func fwht(body: Body, n: Int) {
        let x = Self.vector(n, seed: 4)
        var y = x
        y.withUnsafeMutableBufferPointer {
            if body == .scalar {
                Kernels.Scalar.fwht($0.baseAddress!, n)
            } else {
                Kernels.Vector.fwht($0.baseAddress!, n)
            }
        }
        let expected = Self.referenceFWHT(x)
        #expect(zip(y, expected).allSatisfy { $0.bitPattern == $1.bitPattern })
    }

    /// Shapes around the cache block (16 rows at d = 128) and the blocks of four, with d not a multiple of 4.
    @Test(
        "blocked attention logits and outputs equal plain loops bit for bit",
        arguments: [(5, 37, 12), (3, 70, 128), (2, 9, 6), (4, 4, 16)])
    func attention(queries: Int, tokens: Int, d: Int) {
        let q = Matrix(rows: queries, cols: d, storage: Self.vector(queries * d, seed: 40))
        let k = Matrix(rows: tokens, cols: d, storage: Self.vector(tokens * d, seed: 41))
        let v = Matrix(rows: tokens, cols: d, storage: Self.vector(tokens * d, seed: 42))
        let scale = 0.3
        let logits = Attention.logits(queries: q, keys: k, scale: scale)
        for i in 0..<queries {
            let qi = Array(q.storage[(i * d)..<((i + 1) * d)])
            for j in 0..<tokens {
                let kj = Array(k.storage[(j * d)..<((j + 1) * d)])
                #expect(logits[i, j].bitPattern == (scale * Self.referenceDot(qi, kj)).bitPattern, "\(i),\(j)")
            }
        }
        let lp = Attention.logSoftmaxRows(logits)
        let outputs = Attention.outputs(probabilities: Attention.exp(lp), values: v)
        for i in 0..<queries {
            var o = [Double](repeating: 0, count: d)
            for j in 0..<tokens {
                let p = Elementary.exp(lp[i, j])
                if p > 0 { for c in 0..<d { o[c] += p * v[j, c] } }
            }
            for c in 0..<d { #expect(outputs[i, c].bitPattern == o[c].bitPattern, "\(i),\(c)") }
        }
    }

    @Test("the lookup encoder and bulk quantize equal binary search, on thresholds, between them, outside, NaN and ±∞")
    func encoder() {
        for (law, dim, bits) in [
            (CodebookLaw.beta, 16, 1), (.beta, 128, 2), (.beta, 128, 4), (.gaussian, 64, 8), (.beta, 4096, 3),
            (.beta, 4096, 8),
        ] {
            let cb = Codebook(law: law, dim: dim, bits: bits)
            var probes: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, 1, -1]
            for t in cb.thresholds { probes += [t, t.nextUp, t.nextDown] }
            var s = RandomStream(seed: 5, trial: 0, role: .auxiliary)
            for _ in 0..<3000 { probes.append(s.gaussian() * 1.5 / Double(dim).squareRoot()) }
            for t in probes { #expect(cb.encode(t) == cb.encodeBySearch(t), "\(law) d=\(dim) b=\(bits) t=\(t)") }
            var levels = [Double](repeating: .nan, count: probes.count)
            probes.withUnsafeBufferPointer { cb.quantize($0.baseAddress!, into: &levels, count: probes.count) }
            for (t, level) in zip(probes, levels) {
                #expect(level.bitPattern == cb.centroids[cb.encodeBySearch(t)].bitPattern, "\(law) b=\(bits) t=\(t)")
            }
        }
    }
}
