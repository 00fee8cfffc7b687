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
    /// Encoder acceleration: `lookup[k]` is the cell of the left end of the k-th of a uniform grid of
    /// slots over [first threshold, last threshold]; the exact cell is at most a few steps away.
    private let lookup: [Int32]
    private let lookupOrigin: Double
    private let lookupScale: Double

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
        let cuts = design.thresholds.map { $0 * scale }
        thresholds = cuts
        mse = design.mse
        let slots = 4 * max(cuts.count, 1)
        let origin = cuts.first ?? 0
        let span = (cuts.last ?? 0) - origin
        lookupOrigin = origin
        lookupScale = span > 0 ? Double(slots) / span : 0
        var table = [Int32](repeating: 0, count: slots + 1)
        var cell = 0
        for k in 0...slots {
            let left = origin + (span > 0 ? Double(k) / Double(slots) * span : 0)
            while cell < cuts.count && left >= cuts[cell] { cell += 1 }
            table[k] = Int32(cell)
        }
        lookup = table
    }

    /// The index of the cell containing t (threshold search; a value on a threshold goes up).
    ///
    /// - Complexity: O(b).
    @inline(__always)
    public func encode(_ t: Double) -> Int {
        let position = (t - lookupOrigin) * lookupScale
        guard position >= 0, position < Double(lookup.count - 1) else { return encodeBySearch(t) }
        var cell = Int(lookup[Int(position)])
        while cell < thresholds.count && t >= thresholds[cell] { cell += 1 }
        while cell > 0 && t < thresholds[cell - 1] { cell -= 1 }
        return cell
    }

    /// The cell of t by binary search over the thresholds (the reference encoder; also handles values
    /// outside the lookup grid and NaN, which goes to cell 0).
    ///
    /// - Complexity: O(b).
    public func encodeBySearch(_ t: Double) -> Int {
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
