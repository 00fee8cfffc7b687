/// An n-bit Lloyd–Max codebook for one coordinate of a unit vector in ℝ^d (unit-vector scale).
///
/// Reported as SCIENCE.md asks: centroids and thresholds on the unit-vector scale (e.g. d=64, b=1:
/// ±0.1001259) and D = E‖x − x̂‖² for unit x, which is d × the per-coordinate MSE.
public struct Codebook: Sendable, Equatable {
    /// The law the codebook is optimal for.
    public let law: CodebookLaw
    /// The dimension d.
    public let dim: Int
    /// Bits per coordinate b (2^b levels).
    public let bits: Int
    /// Sorted reconstruction levels (unit-vector scale).
    public let centroids: [Double]
    /// The 2^b − 1 decision thresholds (unit-vector scale).
    public let thresholds: [Double]
    /// Normalised distortion D = d · E(t − Q(t))².
    public let mse: Double

    /// Designs the codebook (see ``LloydMax``).
    ///
    /// - Parameters:
    ///   - law: beta (exact sphere marginal) or gaussian (N(0, 1/d)).
    ///   - dim: the dimension d (≥ 3).
    ///   - bits: b in 1…8.
    public init(law: CodebookLaw, dim: Int, bits: Int) {
        let design: LloydMax.Design
        switch law {
        case .beta: design = LloydMax.design(law: SphereCoordinateLaw(dim: dim), levels: 1 << bits)
        case .gaussian: design = LloydMax.design(law: GaussianCoordinateLaw(), levels: 1 << bits)
        }
        self.init(law: law, dim: dim, bits: bits, design: design)
    }

    /// Wraps a design made in scaled units.
    public init(law: CodebookLaw, dim: Int, bits: Int, design: LloydMax.Design) {
        let scale = 1 / Double(dim).squareRoot()
        self.law = law
        self.dim = dim
        self.bits = bits
        centroids = design.centroids.map { $0 * scale }
        thresholds = design.thresholds.map { $0 * scale }
        mse = design.mse
    }

    /// The index of the cell containing t (threshold search; a value on a threshold goes up).
    ///
    /// - Complexity: O(b).
    @inline(__always)
    public func encode(_ t: Double) -> Int {
        var lo = 0
        var hi = thresholds.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if t >= thresholds[mid] { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The reconstruction of t: the centroid of its cell.
    @inline(__always)
    public func quantize(_ t: Double) -> Double { centroids[encode(t)] }
}
