/// Encodes and decodes the rows of a matrix with one recipe (SCIENCE.md "Building blocks").
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

    /// Encodes then decodes every row.
    ///
    /// - Parameter x: vectors as rows (tokens × d).
    /// - Returns: the decoded vectors x̂.
    /// - Complexity: O(rows · d log d) for Hadamard rotations and sketches, O(rows · d²) for dense ones.
    public func reconstruct(_ x: Matrix) -> Matrix {
        var out = Matrix(rows: x.rows, cols: x.cols)
        let d = x.cols
        var work = [Double](repeating: 0, count: 4 * d)
        x.storage.withUnsafeBufferPointer { xb in
            out.storage.withUnsafeMutableBufferPointer { ob in
                work.withUnsafeMutableBufferPointer { wb in
                    guard let xp = xb.baseAddress, let op = ob.baseAddress, let w = wb.baseAddress else { return }
                    for i in 0..<x.rows {
                        reconstructRow(xp + i * d, into: op + i * d, dim: d, work: w)
                    }
                }
            }
        }
        return out
    }

    /// Encodes and decodes one vector of `dim` values; `work` holds 4·dim scratch values.
    private func reconstructRow(
        _ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, dim d: Int,
        work: UnsafeMutablePointer<Double>
    ) {
        switch recipe {
        case .baseline where baseline == .kvUniform:
            uniformRow(x, into: out, dim: d)
            return
        default:
            break
        }
        let norm = Kernels.norm(x, d)
        guard norm > 0, norm.isFinite else {
            for j in 0..<d { out[j] = norm.isFinite ? 0 : .nan }
            return
        }
        let storedNorm = norms.round(norm)
        let y = work
        let scratch = work + d
        for j in 0..<d { y[j] = x[j] / norm }
        switch recipe {
        case .baseline:
            // kv-beta: Lloyd–Max per coordinate in the original basis.
            if let cb = codebook {
                for j in 0..<d { out[j] = storedNorm * cb.quantize(y[j]) }
            }
        case .turboMSE:
            rotation?.apply(y, scratch: scratch)
            if let cb = codebook {
                for j in 0..<d { y[j] = cb.quantize(y[j]) }
            }
            rotation?.applyInverse(y, scratch: scratch)
            for j in 0..<d { out[j] = storedNorm * y[j] }
        case .turboProd:
            rotation?.apply(y, scratch: scratch)
            let yHat = work + 2 * d
            if let cb = codebook {
                for j in 0..<d { yHat[j] = cb.quantize(y[j]) }
            } else {
                for j in 0..<d { yHat[j] = 0 }
            }
            // Residual r = y − ŷ (in y), γ = ‖r‖.
            for j in 0..<d { y[j] -= yHat[j] }
            let gamma = Kernels.norm(y, d)
            let storedGamma = norms.round(gamma)
            if let s = sketch {
                let z = work + 3 * d
                s.signs(of: y, into: z)
                s.transposeTimes(z, into: y)
                let scale = s.alpha * storedGamma
                for j in 0..<d { yHat[j] += scale * y[j] }
            }
            rotation?.applyInverse(yHat, scratch: scratch)
            for j in 0..<d { out[j] = storedNorm * yHat[j] }
        }
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
