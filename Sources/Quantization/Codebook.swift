import CKernels

/// An n-bit Lloyd–Max codebook for one coordinate of a unit vector in ℝ^d (unit-vector scale).
///
/// Reported as docs/science.md asks: centroids and thresholds on the unit-vector scale (e.g. d=64, b=1:
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
    /// Encoder acceleration: a uniform grid of slots around the thresholds, each slot half the smallest
    /// gap between thresholds wide (unless that needs more than ~65 000 slots, which no codebook of b ≤ 8
    /// does: b = 8 needs about 1 000), so that a slot holds at most one threshold; `lookup[k]` is the cell
    /// c of the k-th slot's left end, and a value in the slot is in cell c or c + 1 (always verified).
    private let lookup: [Int32]
    /// Per slot, five values: the bounds of cells c and c + 1 (low, middle, high; ±∞ beyond the
    /// thresholds) and their two centroids. With them the cell and the centroid of a value follow from
    /// its slot alone, and the guess is verified (low ≤ t < high) without a dependent lookup.
    private let slotData: [Double]
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
        // Slots of half the smallest gap between thresholds (so the rounding of a slot position never
        // spans a threshold), at most ~65 000 of them (beyond that the guess may be further off and the
        // verified search takes over), from one slot below the first threshold to one above the last.
        let span = (cuts.last ?? 0) - (cuts.first ?? 0)
        var width = (zip(cuts.dropFirst(), cuts).map { $0 - $1 }.min() ?? 1) / 2
        if span / width > 65_000 { width = span / 65_000 }
        if !(width > 0) { width = 1 }
        let origin = (cuts.first ?? 0) - width
        let slots = Int((span / width).rounded(.up)) + 2
        lookupOrigin = origin
        lookupScale = 1 / width
        var table = [Int32](repeating: 0, count: slots + 1)
        var cell = 0
        for k in 0...slots {
            let left = origin + Double(k) * width
            while cell < cuts.count && left >= cuts[cell] { cell += 1 }
            table[k] = Int32(cell)
        }
        lookup = table
        let bounds = [-Double.infinity] + cuts + [Double.infinity, Double.infinity]
        var data: [Double] = []
        data.reserveCapacity(5 * table.count)
        for c in table.map({ Int($0) }) {
            data += [bounds[c], bounds[c + 1], bounds[c + 2], centroids[c], centroids[min(c + 1, cuts.count)]]
        }
        slotData = data
    }

    /// The index of the cell containing t (threshold search; a value on a threshold goes up).
    ///
    /// - Complexity: O(1) for finite values (with at most ~65 000 slots), O(b) otherwise.
    public func encode(_ t: Double) -> Int {
        lookup.withUnsafeBufferPointer { table in
            slotData.withUnsafeBufferPointer { data in
                let k = slot(of: t, last: Double(table.count - 1))
                let s = data.baseAddress! + 5 * k
                guard s[0] <= t, t < s[2] else { return encodeBySearch(t) }
                return Int(table[k]) + (t >= s[1] ? 1 : 0)
            }
        }
    }

    /// x̂ᵢ = the centroid of xᵢ's cell for `count` values (`out` may be `x`).
    ///
    /// On the AVX2 kernel path, codebooks of at most ``laneCountLimit`` thresholds count the thresholds ≤ xᵢ
    /// in lanes (the same cell, so the same centroid); larger ones, and the baseline path, use the slots.
    ///
    /// - Complexity: O(count) for finite values.
    public func quantize(_ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count: Int) {
        if thresholds.count <= Self.laneCountLimit && KernelPath.usesAVX2 {
            return thresholds.withUnsafeBufferPointer { cuts in
                centroids.withUnsafeBufferPointer { levels in
                    kvlab_avx2_codebook_quantize(x, count, cuts.baseAddress, cuts.count, levels.baseAddress, out)
                }
            }
        }
        slotData.withUnsafeBufferPointer { data in
            guard let base = data.baseAddress else { return }
            let last = Double(data.count / 5 - 1)
            for j in 0..<count {
                let t = x[j]
                let s = base + 5 &* slot(of: t, last: last)
                let upper = t >= s[1]
                if s[0] <= t && t < s[2] {
                    out[j] = upper ? s[4] : s[3]
                } else {
                    out[j] = centroids[encodeBySearch(t)]
                }
            }
        }
    }

    /// The most thresholds (b ≤ 5 bits) for which counting the thresholds below a value in AVX2 lanes beats
    /// the slot lookup (above, each value needs more compares than the lookup costs).
    static let laneCountLimit = 31

    /// The grid slot of t: ⌊(t − origin)/width⌋ clamped to 0…last, without a conversion check: (p − ½)
    /// is rounded to an integer by adding 2^52, which gives the floor except when p is an integer, where
    /// it may give the slot below. Callers verify t against the slot's bounds, so such a guess, NaN (slot
    /// 0) and ±∞ (the end slots) can only send t to the binary search, never to a wrong cell.
    @inline(__always)
    private func slot(of t: Double, last: Double) -> Int {
        let position = (t - lookupOrigin) * lookupScale - 0.5
        let clamped = position > 0 ? min(position, last) : 0
        return Int(truncatingIfNeeded: (clamped + 0x1p52).bitPattern & 0xFFFF_FFFF)
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
}
