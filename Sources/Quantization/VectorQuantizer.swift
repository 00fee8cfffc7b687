/// Encodes and decodes the rows of a matrix with one recipe (docs/science.md "Building blocks").
///
/// Everything a recipe needs is resolved up front: the codebooks, the rotation R and the sketch S (which
/// depend only on seed, trial and role, never on the scheme or budget). Stored per-vector floats (norms,
/// γ, min, scale) are rounded through the configured precision and used rounded at decode; encoding uses
/// the exact values.
public struct VectorQuantizer: Sendable {
    /// The recipe.
    public let recipe: Recipe
    /// Code bits per coordinate n.
    public let bits: Int
    /// Precision of stored floats.
    public let norms: NormPrecision
    /// Baseline kind (used by `.baseline`).
    public let baseline: Baseline
    /// The n-bit (mse / kv-beta) or (n−1)-bit (prod) codebook; nil for kv-uniform and prod at n = 1.
    public let codebook: Codebook?
    /// R (mse, prod).
    public let rotation: Rotation?
    /// S (prod).
    public let sketch: QJLSketch?

    /// A quantizer for one recipe.
    ///
    /// - Parameters:
    ///   - recipe: mse, prod or baseline.
    ///   - config: the switches (bits, codebook, baseline, norms, dim).
    ///   - rotation: R for the recipes that rotate.
    ///   - sketch: S for prod.
    ///   - codebooks: the codebook cache.
    public init(
        recipe: Recipe, config: TrialConfig, rotation: Rotation?, sketch: QJLSketch?, codebooks: CodebookCache
    ) {
        self.recipe = recipe
        bits = config.bits
        norms = config.norms
        baseline = config.baseline
        self.rotation = recipe.usesRotation ? rotation : nil
        self.sketch = recipe.usesSketch ? sketch : nil
        switch recipe {
        case .turboMSE:
            codebook = codebooks.codebook(law: config.codebook, dim: config.dim, bits: config.bits)
        case .turboProd:
            codebook =
                config.bits > 1 ? codebooks.codebook(law: config.codebook, dim: config.dim, bits: config.bits - 1) : nil
        case .baseline:
            codebook =
                config.baseline == .kvBeta
                ? codebooks.codebook(law: config.codebook, dim: config.dim, bits: config.bits) : nil
        }
    }

    /// Effective bits per coordinate: n code bits plus every stored float spread over d coordinates.
    ///
    /// - Parameter dim: the dimension d.
    public func effectiveBits(dim: Int) -> Double {
        let floats: Int
        switch recipe {
        case .turboMSE: floats = 1  // ‖x‖
        case .turboProd: floats = 2  // ‖x‖, γ
        case .baseline: floats = baseline == .kvBeta ? 1 : 2  // ‖x‖ | min, scale
        }
        return Double(bits) + Double(floats * norms.bitsPerFloat) / Double(dim)
    }

    /// Rows per block of the prod recipe: the sketch products of a block run together, so a dense S
    /// is read from memory once per block rather than once per row (and, on the AVX2 path, each strip of S
    /// copied to contiguous memory serves the whole block).
    static let sketchBlock = 64

    /// Rows per block of the mse recipe: the rotations of a block run together (four rows at once on the
    /// AVX2 kernel path, see ``Rotation/apply(rows:count:scratch:)``).
    static let rotationBlock = 4

    /// Encodes then decodes every row.
    ///
    /// - Parameter x: vectors as rows (tokens × d).
    /// - Returns: the decoded vectors x̂.
    /// - Complexity: O(rows · d log d) for Hadamard rotations and sketches, O(rows · d²) for dense ones.
    public func reconstruct(_ x: Matrix) -> Matrix {
        let d = x.cols
        let block: Int
        switch recipe {
        case .turboProd: block = Self.sketchBlock
        case .turboMSE: block = Self.rotationBlock
        case .baseline: block = 1
        }
        // The scratch is rounded up to whole cache lines so that the work rows start on one too.
        let scratchCount = (max(2 * d, rotation?.blockScratchCount ?? 0) + 7) / 8 * 8
        var work = AlignedDoubles(repeating: 0, count: scratchCount + block * (3 * d + 2))
        // Every recipe writes every value of every row (a decoded value or its fallback).
        return Matrix(rows: x.rows, cols: d) { op in
            x.storage.withUnsafeBufferPointer { xb in
                work.withUnsafeMutableBufferPointer { wb in
                    guard let xp = xb.baseAddress, let w = wb.baseAddress else { return }
                    var start = 0
                    while start < x.rows {
                        let count = min(block, x.rows - start)
                        let (rows, into) = (xp + start * d, op + start * d)
                        switch recipe {
                        case .turboProd:
                            prodRows(rows, into: into, count: count, dim: d, scratch: w, work: w + scratchCount)
                        case .turboMSE:
                            mseRows(rows, into: into, count: count, dim: d, scratch: w, work: w + scratchCount)
                        case .baseline:
                            baselineRow(rows, into: into, dim: d, work: w)
                        }
                        start += count
                    }
                }
            }
        }
    }

    /// The norm of a row, or nil when the row is zero or not finite, after writing its decoded value
    /// (zeros, or NaN for a non-finite row) to `out`.
    private func normOrFallback(_ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, dim d: Int)
        -> Double?
    {
        let norm = Kernels.norm(x, d)
        guard norm > 0, norm.isFinite else {
            out.update(repeating: norm.isFinite ? 0 : .nan, count: d)
            return nil
        }
        return norm
    }

    /// Encodes and decodes one vector of `dim` values with the baseline recipe; `work` holds dim + 1 scratch
    /// values.
    private func baselineRow(
        _ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, dim d: Int,
        work: UnsafeMutablePointer<Double>
    ) {
        if baseline == .kvUniform {
            uniformRow(x, into: out, dim: d)
            return
        }
        let (y, storedNorm) = (work, work + d)
        unitRows(x, into: out, count: 1, dim: d, units: y, storedNorms: storedNorm)
        // kv-beta: Lloyd–Max per coordinate in the original basis.
        guard !storedNorm[0].isNaN else { return }
        guard let cb = codebook else {  // no levels: every coordinate decodes to 0
            out.update(repeating: 0, count: d)
            return
        }
        cb.quantize(y, into: out, count: d)
        for j in 0..<d { out[j] *= storedNorm[0] }
    }

    /// Writes x/‖x‖ of each of `count` rows into `units` and its stored norm into `storedNorms`; a zero or
    /// non-finite row gets its decoded value in `out` (``normOrFallback(_:into:dim:)``), a zero unit row and a
    /// NaN stored norm.
    private func unitRows(
        _ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count: Int, dim d: Int,
        units: UnsafeMutablePointer<Double>, storedNorms: UnsafeMutablePointer<Double>
    ) {
        for t in 0..<count {
            let y = units + t * d
            guard let norm = normOrFallback(x + t * d, into: out + t * d, dim: d) else {
                y.update(repeating: 0, count: d)
                storedNorms[t] = .nan
                continue
            }
            storedNorms[t] = norms.round(norm)
            let xt = x + t * d
            let inverseNorm = 1 / norm  // one division per row; x·(1/‖x‖) is within an ulp of x/‖x‖
            for j in 0..<d { y[j] = xt[j] * inverseNorm }
        }
    }

    /// Encodes and decodes `count` vectors with the mse recipe: the unit rows are rotated, quantized and rotated
    /// back together, each row with exactly the operations it would get alone. `scratch` holds the rotation's
    /// block scratch, `work` count·(dim + 1) values.
    private func mseRows(
        _ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count: Int, dim d: Int,
        scratch: UnsafeMutablePointer<Double>, work: UnsafeMutablePointer<Double>
    ) {
        let ys = work
        let storedNorms = ys + count * d
        unitRows(x, into: out, count: count, dim: d, units: ys, storedNorms: storedNorms)
        rotation?.apply(rows: ys, count: count, scratch: scratch)
        codebook?.quantize(ys, into: ys, count: count * d)
        rotation?.applyInverse(rows: ys, count: count, scratch: scratch)
        scaleRows(ys, by: storedNorms, into: out, count: count, dim: d)
    }

    /// out row t ← storedNorms[t] · row t of `ys`, for the rows with a stored norm (the others already hold
    /// their decoded fallback).
    private func scaleRows(
        _ ys: UnsafePointer<Double>, by storedNorms: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>,
        count: Int, dim d: Int
    ) {
        for t in 0..<count where !storedNorms[t].isNaN {
            let (y, o) = (ys + t * d, out + t * d)
            for j in 0..<d { o[j] = storedNorms[t] * y[j] }
        }
    }

    /// Encodes and decodes `count` vectors with the prod recipe: the rotation of every row, then per row the
    /// (n−1)-bit code and the residual r; then the sketch products of all rows (sign(S r), Sᵀ z) together; then
    /// per row ŷ + α·γ̃·Sᵀz, and the rotation back of every row. `scratch` holds the rotation's block scratch
    /// (at least 2·dim values), `work` count·(3·dim + 2) values.
    private func prodRows(
        _ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count: Int, dim d: Int,
        scratch: UnsafeMutablePointer<Double>, work: UnsafeMutablePointer<Double>
    ) {
        let residuals = work
        let yHats = residuals + count * d
        let signs = yHats + count * d
        let storedNorms = signs + count * d
        let storedGammas = storedNorms + count
        unitRows(x, into: out, count: count, dim: d, units: residuals, storedNorms: storedNorms)
        rotation?.apply(rows: residuals, count: count, scratch: scratch)
        for t in 0..<count {
            let y = residuals + t * d
            let yHat = yHats + t * d
            guard !storedNorms[t].isNaN else {
                y.update(repeating: 0, count: d)
                yHat.update(repeating: 0, count: d)
                continue
            }
            if let cb = codebook {
                cb.quantize(y, into: yHat, count: d)
            } else {
                yHat.update(repeating: 0, count: d)
            }
            // Residual r = y − ŷ (in y), γ = ‖r‖.
            for j in 0..<d { y[j] -= yHat[j] }
            storedGammas[t] = norms.round(Kernels.norm(y, d))
        }
        if let s = sketch {
            s.signs(of: residuals, count: count, into: signs)
            s.transposeTimes(signs, count: count, into: residuals)
            for t in 0..<count where !storedNorms[t].isNaN {
                let (yHat, y) = (yHats + t * d, residuals + t * d)
                let scale = s.alpha * storedGammas[t]
                for j in 0..<d { yHat[j] += scale * y[j] }
            }
        }
        rotation?.applyInverse(rows: yHats, count: count, scratch: scratch)
        scaleRows(yHats, by: storedNorms, into: out, count: count, dim: d)
    }

    /// kv-uniform: per-token asymmetric min–max over 2^n levels, rounding half up; min and scale stored.
    private func uniformRow(_ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, dim d: Int) {
        var lo = x[0]
        var hi = x[0]
        for j in 1..<d {
            lo = min(lo, x[j])
            hi = max(hi, x[j])
        }
        let maxIndex = Double((1 << bits) - 1)
        let scale = (hi - lo) / maxIndex
        let storedLo = norms.round(lo)
        let storedScale = norms.round(scale)
        for j in 0..<d {
            var index = 0.0
            if scale > 0 {
                index = ((x[j] - lo) / scale + 0.5).rounded(.down)
                index = min(max(index, 0), maxIndex)
            }
            out[j] = storedLo + index * storedScale
        }
    }
}
