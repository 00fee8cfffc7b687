/// A random orthogonal rotation R of ℝ^d (docs/science.md "Rotation").
///
/// `wht1`…`wht3`: rounds of H·D (normalised Hadamard after random ±1 signs), O(d log d);
/// `haar`: a Haar-distributed orthogonal matrix (Gram–Schmidt of a Gaussian matrix, positive R diagonal);
/// `none`: identity. Depends only on (seed, trial, role, kind, dim).
public struct Rotation: Sendable {
    /// The rotation kind.
    public let kind: RotationKind
    /// The dimension d.
    public let dim: Int
    /// Sign vectors D₁, D₂, … of the Hadamard rounds (applied in order).
    private let signs: [[Double]]
    /// Row-major orthogonal matrix for `haar`.
    private let matrix: [Double]

    /// Draws a rotation from its stream.
    ///
    /// - Parameters:
    ///   - kind: which rotation.
    ///   - dim: the dimension, a power of two for the Hadamard kinds.
    ///   - stream: the rotation's random stream (always consumed the same way for a given kind).
    public init(kind: RotationKind, dim: Int, stream: RandomStream) {
        var s = stream
        self.kind = kind
        self.dim = dim
        switch kind {
        case .wht1, .wht2, .wht3:
            signs = (0..<kind.hadamardRounds).map { _ in (0..<dim).map { _ in s.rademacher() } }
            matrix = []
        case .haar:
            signs = []
            matrix = Rotation.haarMatrix(dim: dim, stream: &s)
        case .none:
            signs = []
            matrix = []
        }
    }

    /// A Haar-distributed orthogonal matrix: rows of a Gaussian matrix orthonormalised by classical
    /// Gram–Schmidt with one re-orthogonalisation pass ("twice is enough").
    ///
    /// - Complexity: O(d³).
    static func haarMatrix(dim d: Int, stream: inout RandomStream) -> [Double] {
        var m = stream.gaussians(d * d)
        m.withUnsafeMutableBufferPointer { buf in
            guard let q = buf.baseAddress else { return }
            for i in 0..<d {
                let row = q + i * d
                for _ in 0..<2 {
                    for k in 0..<i {
                        let other = q + k * d
                        let c = Kernels.dot(other, row, d)
                        Kernels.axpy(-c, other, row, d)
                    }
                }
                let n = Kernels.norm(row, d)
                for j in 0..<d { row[j] /= n }
            }
        }
        return m
    }

    /// x ← R x, in place.
    ///
    /// - Parameters:
    ///   - x: a vector of `dim` values.
    ///   - scratch: `dim` values of working space (used by `haar`).
    /// - Complexity: O(d log d) for Hadamard kinds, O(d²) for haar.
    public func apply(_ x: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>) {
        switch kind {
        case .wht1, .wht2, .wht3:
            for d in signs { d.withUnsafeBufferPointer { Kernels.fwht(x, dim, before: $0.baseAddress, after: nil) } }
        case .haar:
            matrix.withUnsafeBufferPointer { m in
                guard let mp = m.baseAddress else { return }
                Kernels.matVec(mp, rows: dim, cols: dim, x, scratch)
            }
            x.update(from: scratch, count: dim)
        case .none:
            break
        }
    }

    /// x ← Rᵀ x = R⁻¹ x, in place.
    ///
    /// - Parameters:
    ///   - x: a vector of `dim` values.
    ///   - scratch: `dim` values of working space (used by `haar`).
    /// - Complexity: as ``apply(_:scratch:)``.
    public func applyInverse(_ x: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>) {
        switch kind {
        case .wht1, .wht2, .wht3:
            for d in signs.reversed() {
                d.withUnsafeBufferPointer { Kernels.fwht(x, dim, before: nil, after: $0.baseAddress) }
            }
        case .haar:
            matrix.withUnsafeBufferPointer { m in
                guard let mp = m.baseAddress else { return }
                Kernels.matTVec(mp, rows: dim, cols: dim, x, scratch)
            }
            x.update(from: scratch, count: dim)
        case .none:
            break
        }
    }

    /// Convenience: R x for an array (allocates; for tests and tools, not hot loops).
    public func applied(to x: [Double]) -> [Double] {
        var y = x
        var scratch = [Double](repeating: 0, count: dim)
        y.withUnsafeMutableBufferPointer { yb in
            scratch.withUnsafeMutableBufferPointer { sb in
                if let yp = yb.baseAddress, let sp = sb.baseAddress { apply(yp, scratch: sp) }
            }
        }
        return y
    }

    /// Convenience: Rᵀ x for an array (allocates; for tests and tools, not hot loops).
    public func inverseApplied(to x: [Double]) -> [Double] {
        var y = x
        var scratch = [Double](repeating: 0, count: dim)
        y.withUnsafeMutableBufferPointer { yb in
            scratch.withUnsafeMutableBufferPointer { sb in
                if let yp = yb.baseAddress, let sp = sb.baseAddress { applyInverse(yp, scratch: sp) }
            }
        }
        return y
    }
}
