import Statistics

/// The QJL sketch matrix S (m = d rows) and its unbiasing scale α (docs/science.md "TurboQuant_prod").
///
/// The estimator of a vector r from its signs z = sign(S r) is α·‖r‖·Sᵀz, unbiased for inner products.
public struct QJLSketch: Sendable {
    /// The kind of S.
    public let kind: QJLKind
    /// The dimension d (= number of rows m).
    public let dim: Int
    /// The scale α of the decoder.
    public let alpha: Double
    /// Row-major S for `gaussian` and `orthogonal`.
    private let matrix: AlignedDoubles
    /// D₁ and D₂ for `hadamard`.
    private let signs: [[Double]]

    /// Draws S from its stream.
    ///
    /// - Parameters:
    ///   - kind: gaussian, orthogonal or hadamard.
    ///   - dim: the dimension d.
    ///   - stream: the sketch's random stream.
    public init(kind: QJLKind, dim: Int, stream: RandomStream) {
        var s = stream
        self.kind = kind
        self.dim = dim
        alpha = QJLSketch.alpha(kind: kind, dim: dim)
        switch kind {
        case .gaussian:
            matrix = s.alignedGaussians(dim * dim)
            signs = []
        case .orthogonal:
            let root = Double(dim).squareRoot()
            matrix = Rotation.haarMatrix(dim: dim, stream: &s, times: root)
            signs = []
        case .hadamard:
            matrix = AlignedDoubles(repeating: 0, count: 0)
            signs = (0..<2).map { _ in (0..<dim).map { _ in s.rademacher() } }
        }
    }

    /// The unbiasing scale α for a kind and dimension.
    ///
    /// gaussian: √(π/2)/d; orthogonal and hadamard: 1/(d^{3/2}·E|u₁|) with
    /// E|u₁| = Γ(d/2)/(√π·Γ((d+1)/2)) the mean absolute coordinate of a uniform unit vector.
    public static func alpha(kind: QJLKind, dim: Int) -> Double {
        let d = Double(dim)
        switch kind {
        case .gaussian:
            return (Double.pi / 2).squareRoot() / d
        case .orthogonal, .hadamard:
            let meanAbs =
                Elementary.exp(Elementary.logGamma(d / 2) - Elementary.logGamma((d + 1) / 2)) / Double.pi.squareRoot()
            return 1 / (d * d.squareRoot() * meanAbs)
        }
    }

    /// z_t ← sign(S r_t), with sign(0) = +1, for `count` residuals.
    ///
    /// - Parameters:
    ///   - r: the residuals, `count` rows of `dim` values (not modified).
    ///   - count: how many residuals.
    ///   - z: output signs (±1), `count` rows of `dim` values.
    /// - Complexity: O(count · d²) for dense S, O(count · d log d) for hadamard.
    public func signs(of r: UnsafePointer<Double>, count: Int = 1, into z: UnsafeMutablePointer<Double>) {
        switch kind {
        case .gaussian, .orthogonal:
            matrix.withUnsafeBufferPointer { m in
                guard let mp = m.baseAddress else { return }
                Kernels.matVec(mp, rows: dim, cols: dim, r, z, count: count)
            }
        case .hadamard:
            // S r = √d · H D₂ H D₁ r (the √d does not change the signs).
            for t in 0..<count {
                let rt = r + t * dim
                let zt = z + t * dim
                for i in 0..<dim { zt[i] = rt[i] * signs[0][i] }
                Kernels.fwht(zt, dim)
                for i in 0..<dim { zt[i] *= signs[1][i] }
                Kernels.fwht(zt, dim)
            }
        }
        for i in 0..<(count * dim) { z[i] = z[i] >= 0 ? 1 : -1 }
    }

    /// y_t ← Sᵀ z_t for `count` sign vectors.
    ///
    /// - Parameters:
    ///   - z: the signs, `count` rows of `dim` values.
    ///   - count: how many sign vectors.
    ///   - y: output, `count` rows of `dim` values.
    /// - Complexity: O(count · d²) for dense S, O(count · d log d) for hadamard.
    public func transposeTimes(_ z: UnsafePointer<Double>, count: Int = 1, into y: UnsafeMutablePointer<Double>) {
        switch kind {
        case .gaussian, .orthogonal:
            matrix.withUnsafeBufferPointer { m in
                guard let mp = m.baseAddress else { return }
                Kernels.matTVec(mp, rows: dim, cols: dim, z, y, count: count)
            }
        case .hadamard:
            // Sᵀ z = √d · D₁ H D₂ H z.
            let root = Double(dim).squareRoot()
            for t in 0..<count {
                let yt = y + t * dim
                yt.update(from: z + t * dim, count: dim)
                Kernels.fwht(yt, dim)
                for i in 0..<dim { yt[i] *= signs[1][i] }
                Kernels.fwht(yt, dim)
                for i in 0..<dim { yt[i] *= signs[0][i] * root }
            }
        }
    }
}
