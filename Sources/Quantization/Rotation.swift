import CKernels

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
    /// Sign vectors D₁, D₂, … of the Hadamard rounds (applied in order), one after the other (`dim` values each).
    private let signs: [Double]
    /// Row-major orthogonal matrix for `haar`.
    private let matrix: AlignedDoubles

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
            signs = (0..<(kind.hadamardRounds * dim)).map { _ in s.rademacher() }
            matrix = AlignedDoubles(repeating: 0, count: 0)
        case .haar:
            signs = []
            matrix = Rotation.haarMatrix(dim: dim, stream: &s)
        case .none:
            signs = []
            matrix = AlignedDoubles(repeating: 0, count: 0)
        }
    }

    /// A Haar-distributed orthogonal matrix: rows of a Gaussian matrix orthonormalised by classical
    /// Gram–Schmidt with one re-orthogonalisation pass ("twice is enough"), then each value times `factor`
    /// (× 1 is exact).
    ///
    /// - Complexity: O(d³).
    static func haarMatrix(dim d: Int, stream: inout RandomStream, times factor: Double = 1) -> AlignedDoubles {
        var m = stream.alignedGaussians(d * d)
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
            if factor != 1 { for j in 0..<(d * d) { q[j] = q[j] * factor } }
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
            signs.withUnsafeBufferPointer { d in
                guard let first = d.baseAddress else { return }
                for round in 0..<kind.hadamardRounds { Kernels.fwht(x, dim, before: first + round * dim, after: nil) }
            }
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
            signs.withUnsafeBufferPointer { d in
                guard let first = d.baseAddress else { return }
                for round in (0..<kind.hadamardRounds).reversed() {
                    Kernels.fwht(x, dim, before: nil, after: first + round * dim)
                }
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

    /// Scratch values that ``apply(rows:count:scratch:)`` and ``applyInverse(rows:count:scratch:)`` need.
    public var blockScratchCount: Int { 4 * dim + 4 }

    /// x ← R x for each of `count` rows of `dim` values (row i at x + i·dim), in place: every row gets exactly
    /// the bits of ``apply(_:scratch:)``. On the AVX2 kernel path the Hadamard kinds transform four rows at
    /// once, one row per lane of a transposed block, so every stage is a plain add or subtract.
    ///
    /// - Parameter scratch: ``blockScratchCount`` values of working space.
    /// - Complexity: as ``apply(_:scratch:)`` per row.
    public func apply(rows x: UnsafeMutablePointer<Double>, count: Int, scratch: UnsafeMutablePointer<Double>) {
        let done = fourRowBlocks(x, count: count, scratch: scratch, inverse: false)
        for i in done..<count { apply(x + i * dim, scratch: scratch) }
    }

    /// x ← Rᵀ x for each of `count` rows, as ``applyInverse(_:scratch:)`` row by row (see
    /// ``apply(rows:count:scratch:)``).
    ///
    /// - Parameter scratch: ``blockScratchCount`` values of working space.
    public func applyInverse(rows x: UnsafeMutablePointer<Double>, count: Int, scratch: UnsafeMutablePointer<Double>) {
        let done = fourRowBlocks(x, count: count, scratch: scratch, inverse: true)
        for i in done..<count { applyInverse(x + i * dim, scratch: scratch) }
    }

    /// Transforms the rows in blocks of four on the AVX2 path (Hadamard kinds, dim ≥ 16); returns how many rows
    /// it did (0 elsewhere).
    private func fourRowBlocks(
        _ x: UnsafeMutablePointer<Double>, count: Int, scratch: UnsafeMutablePointer<Double>, inverse: Bool
    ) -> Int {
        let rounds = kind.hadamardRounds
        guard rounds > 0, dim >= 16, count >= 4, KernelPath.usesAVX2 else { return 0 }
        let blocks = count / 4
        signs.withUnsafeBufferPointer { d in
            for b in 0..<blocks {
                kvlab_avx2_hadamard_rows4(x + 4 * b * dim, dim, dim, d.baseAddress, rounds, inverse ? 1 : 0, scratch)
            }
        }
        return 4 * blocks
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
