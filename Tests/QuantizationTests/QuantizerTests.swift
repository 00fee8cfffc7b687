import Testing

@testable import Quantization

/// Monte-Carlo checks of the quantizers against theory (4 standard errors).
@Suite("TurboQuant and QJL against theory")
struct QuantizerTests {
    static func config(
        scheme: Scheme = .KQV, bits: Int, dim: Int, rotation: RotationKind = .wht3, qjl: QJLKind = .gaussian
    )
        -> TrialConfig
    {
        var c = TrialConfig()
        c.scheme = scheme
        c.bits = bits
        c.dim = dim
        c.rotation = rotation
        c.qjl = qjl
        return c
    }

    static func unitVector(_ d: Int, _ s: inout RandomStream) -> [Double] {
        let g = (0..<d).map { _ in s.gaussian() }
        let n = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return g.map { $0 / n }
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    @Test(
        "Monte-Carlo D of TurboQuant_mse matches the codebook's D",
        arguments: [(RotationKind.wht3, 1), (.wht3, 2), (.haar, 3), (.wht1, 4)])
    func mseDistortion(rotation: RotationKind, bits: Int) {
        let d = 64
        let cache = CodebookCache()
        let expected = cache.codebook(law: .beta, dim: d, bits: bits).mse
        var s = RandomStream(seed: 11, trial: 0, role: .auxiliary)
        var errors: [Double] = []
        for trial in 0..<40 {
            let rot = Rotation(kind: rotation, dim: d, stream: RandomStream(seed: 1, trial: trial, role: .keyRotation))
            let q = VectorQuantizer(
                recipe: .turboMSE, config: Self.config(bits: bits, dim: d), rotation: rot, sketch: nil,
                codebooks: cache)
            let x = Matrix(rows: 50, cols: d, storage: (0..<50).flatMap { _ in Self.unitVector(d, &s) })
            let xHat = q.reconstruct(x)
            for i in 0..<50 {
                errors.append(zip(x.row(i), xHat.row(i)).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) })
            }
        }
        let n = Double(errors.count)
        let mean = errors.reduce(0, +) / n
        let sd = (errors.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
        #expect(abs(mean - expected) < 4 * sd / n.squareRoot(), "b=\(bits): MC \(mean) vs D \(expected)")
    }

    @Test(
        "TurboQuant_prod is unbiased for inner products for every S kind",
        arguments: [
            (QJLKind.gaussian, 1), (.gaussian, 3), (.orthogonal, 1), (.orthogonal, 2), (.hadamard, 1), (.hadamard, 3),
        ]
    )
    func prodUnbiased(kind: QJLKind, bits: Int) {
        let d = 32
        let cache = CodebookCache()
        var s = RandomStream(seed: 5, trial: 0, role: .auxiliary)
        let k = Self.unitVector(d, &s).map { 3 * $0 }
        let q = Self.unitVector(d, &s).enumerated().map { $0.offset < 4 ? $0.element + 0.5 : $0.element }
        let truth = Self.dot(q, k)
        var estimates: [Double] = []
        for trial in 0..<3000 {
            let rot = Rotation(kind: .wht3, dim: d, stream: RandomStream(seed: 2, trial: trial, role: .keyRotation))
            let sketch = QJLSketch(kind: kind, dim: d, stream: RandomStream(seed: 2, trial: trial, role: .keySketch))
            let quantizer = VectorQuantizer(
                recipe: .turboProd, config: Self.config(bits: bits, dim: d, qjl: kind), rotation: rot, sketch: sketch,
                codebooks: cache)
            let kHat = Array(quantizer.reconstruct(Matrix(rows: 1, cols: d, storage: k)).storage)
            estimates.append(Self.dot(q, kHat))
        }
        let n = Double(estimates.count)
        let mean = estimates.reduce(0, +) / n
        let sd = (estimates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
        #expect(abs(mean - truth) < 4 * sd / n.squareRoot(), "\(kind) b=\(bits): \(mean) vs \(truth)")
    }

    @Test("Gaussian-S QJL variance × m = (π/2)‖q‖²‖k‖² − ⟨q,k⟩²")
    func qjlVariance() {
        let d = 32
        var s = RandomStream(seed: 9, trial: 0, role: .auxiliary)
        let k = Self.unitVector(d, &s).map { 2 * $0 }
        let q = Self.unitVector(d, &s).enumerated().map { $0.offset < 3 ? $0.element + 0.7 : $0.element }
        let qk = Self.dot(q, k)
        let expected = Double.pi / 2 * Self.dot(q, q) * Self.dot(k, k) - qk * qk
        var estimates: [Double] = []
        let cache = CodebookCache()
        for trial in 0..<4000 {
            let sketch = QJLSketch(
                kind: .gaussian, dim: d, stream: RandomStream(seed: 3, trial: trial, role: .keySketch))
            let quantizer = VectorQuantizer(
                recipe: .turboProd, config: Self.config(bits: 1, dim: d, rotation: .none), rotation: nil,
                sketch: sketch, codebooks: cache)
            let kHat = Array(quantizer.reconstruct(Matrix(rows: 1, cols: d, storage: k)).storage)
            estimates.append(Self.dot(q, kHat))
        }
        let n = Double(estimates.count)
        let mean = estimates.reduce(0, +) / n
        let variance = estimates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        // SE of a sample variance ≈ σ²·√(2/(n−1)) (the estimator is close to normal: sum of 32 rows).
        let se = expected / Double(d) * (2 / (n - 1)).squareRoot()
        #expect(abs(variance - expected / Double(d)) < 4 * se, "\(variance * Double(d)) vs \(expected)")
    }

    @Test("α: gaussian √(π/2)/d; orthogonal 1/(d^{3/2}E|u₁|) ≈ √(π/2)/d")
    func alphas() {
        #expect(abs(QJLSketch.alpha(kind: .gaussian, dim: 128) - (Double.pi / 2).squareRoot() / 128) < 1e-15)
        let a = QJLSketch.alpha(kind: .orthogonal, dim: 4096)
        #expect(abs(a / ((Double.pi / 2).squareRoot() / 4096) - 1) < 1e-3)
        // d = 2: E|u₁| = 2/π exactly.
        #expect(abs(QJLSketch.alpha(kind: .orthogonal, dim: 2) - 1 / (2 * 2.0.squareRoot() * 2 / Double.pi)) < 1e-14)
    }

    @Test("effective bits include every stored float")
    func effectiveBits() {
        let cache = CodebookCache()
        var c = Self.config(bits: 4, dim: 128)
        let mse = VectorQuantizer(recipe: .turboMSE, config: c, rotation: nil, sketch: nil, codebooks: cache)
        #expect(mse.effectiveBits(dim: 128) == 4.25)
        c.norms = .f16
        let prod = VectorQuantizer(recipe: .turboProd, config: c, rotation: nil, sketch: nil, codebooks: cache)
        #expect(prod.effectiveBits(dim: 128) == 4.25)
        c.baseline = .kvUniform
        let uniform = VectorQuantizer(recipe: .baseline, config: c, rotation: nil, sketch: nil, codebooks: cache)
        #expect(uniform.effectiveBits(dim: 128) == 4.25)
    }

    @Test("kv-uniform reproduces a vector on its own grid exactly; zero vectors decode to zero")
    func uniformAndZero() {
        let cache = CodebookCache()
        var c = Self.config(scheme: .KV, bits: 2, dim: 16)
        c.baseline = .kvUniform
        let q = VectorQuantizer(recipe: .baseline, config: c, rotation: nil, sketch: nil, codebooks: cache)
        let grid = (0..<16).map { Double($0 % 4) * 0.5 - 0.5 }
        #expect(Array(q.reconstruct(Matrix(rows: 1, cols: 16, storage: grid)).storage) == grid)
        for recipe in [Recipe.turboMSE, .turboProd] {
            let zq = VectorQuantizer(
                recipe: recipe, config: Self.config(bits: 3, dim: 16), rotation: nil, sketch: nil, codebooks: cache)
            #expect(zq.reconstruct(Matrix(rows: 1, cols: 16)).storage.allSatisfy { $0 == 0 })
        }
    }

    /// The prod recipe runs the sketch products of blocks of rows together; each row must come out as
    /// if it were quantized alone, including zero and non-finite rows and a last, partial block.
    @Test("prod: rows quantized in blocks equal rows quantized one by one", arguments: QJLKind.allCases)
    func prodBlocksEqualSingleRows(qjl: QJLKind) {
        let d = 32
        let rows = 2 * VectorQuantizer.sketchBlock + 3
        var s = RandomStream(seed: 12, trial: 0, role: .auxiliary)
        var storage = (0..<(rows * d)).map { _ in s.gaussian() }
        for j in 0..<d { storage[3 * d + j] = 0 }
        storage[9 * d + 5] = .infinity
        let x = Matrix(rows: rows, cols: d, storage: storage)
        let q = VectorQuantizer(
            recipe: .turboProd, config: Self.config(scheme: .QKQV, bits: 3, dim: d, qjl: qjl),
            rotation: Rotation(kind: .wht3, dim: d, stream: RandomStream(seed: 1, trial: 0, role: .keyRotation)),
            sketch: QJLSketch(kind: qjl, dim: d, stream: RandomStream(seed: 1, trial: 0, role: .keySketch)),
            codebooks: CodebookCache())
        let all = q.reconstruct(x)
        #expect(all[3, 0] == 0 && all[9, 0].isNaN)
        for i in 0..<rows {
            let one = q.reconstruct(Matrix(rows: 1, cols: d, storage: Array(storage[(i * d)..<((i + 1) * d)])))
            for j in 0..<d { #expect(all[i, j].bitPattern == one[0, j].bitPattern, "row \(i), column \(j)") }
        }
    }

    /// `reconstruct` does not zero its output: every recipe must write every value, a decoded one or a row's
    /// fallback. Debug builds fill unwritten values with a marker NaN (`AlignedDoubles.unwritten`), which must
    /// not survive; in every build, the zero and non-finite rows must get their fallbacks and the others finite
    /// values.
    @Test(
        "every recipe writes every output value: zero, infinite, NaN and huge rows, full and partial blocks",
        arguments: [
            (Recipe.turboMSE, RotationKind.wht1, QJLKind.gaussian, Baseline.kvBeta, NormPrecision.f32),
            (.turboMSE, .haar, .gaussian, .kvBeta, .f16), (.turboMSE, .none, .gaussian, .kvBeta, .f32),
            (.turboProd, .wht3, .gaussian, .kvBeta, .f16), (.turboProd, .none, .hadamard, .kvBeta, .f32),
            (.turboProd, .wht1, .orthogonal, .kvBeta, .f32), (.baseline, .wht3, .gaussian, .kvBeta, .f16),
            (.baseline, .wht3, .gaussian, .kvUniform, .f32),
        ])
    func everyValueWritten(
        recipe: Recipe, rotation: RotationKind, qjl: QJLKind, baseline: Baseline, norms: NormPrecision
    ) {
        let d = 32
        let rows = VectorQuantizer.sketchBlock + 7  // a partial last block for every block size
        var s = RandomStream(seed: 13, trial: 0, role: .auxiliary)
        var storage = (0..<(rows * d)).map { _ in s.gaussian() }
        let zero = [0, 5, rows - 1]
        for i in zero { for j in 0..<d { storage[i * d + j] = 0 } }
        let nonFinite = [2, 6, rows - 2]
        storage[2 * d + 3] = .infinity
        storage[6 * d] = -.infinity
        storage[(rows - 2) * d + 7] = .nan
        for j in 0..<d { storage[9 * d + j] = 1e300 * Double(j + 1) }  // ‖x‖ overflows to +∞: a fallback too
        var c = Self.config(bits: 3, dim: d, rotation: rotation, qjl: qjl)
        c.baseline = baseline
        c.norms = norms
        let q = VectorQuantizer(
            recipe: recipe, config: c,
            rotation: Rotation(kind: rotation, dim: d, stream: RandomStream(seed: 1, trial: 0, role: .keyRotation)),
            sketch: QJLSketch(kind: qjl, dim: d, stream: RandomStream(seed: 1, trial: 0, role: .keySketch)),
            codebooks: CodebookCache())
        let out = q.reconstruct(Matrix(rows: rows, cols: d, storage: storage))
        #expect(!out.storage.contains { $0.bitPattern == AlignedDoubles.unwritten.bitPattern })
        for i in 0..<rows {
            let row = out.row(i)
            if recipe == .baseline && baseline == .kvUniform {
                // Min–max per token: no norm, no fallback; finite rows decode to finite values.
                if !nonFinite.contains(i) && i != 9 { #expect(row.allSatisfy { $0.isFinite }, "row \(i)") }
            } else if zero.contains(i) {
                #expect(row.allSatisfy { $0 == 0 }, "row \(i)")
            } else if nonFinite.contains(i) || i == 9 {
                #expect(row.allSatisfy { $0.isNaN }, "row \(i)")
            } else {
                #expect(row.allSatisfy { $0.isFinite }, "row \(i)")
            }
        }
    }
}
