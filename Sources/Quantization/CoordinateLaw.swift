import Statistics

/// The law of one coordinate in *scaled* units s = t·√d (unit variance), with the cell moments the
/// Lloyd–Max solver needs.
///
/// `beta`: the exact marginal of a uniform point on S^{d−1}, f(t) = c_d (1−t²)^{(d−3)/2} on [−1, 1];
/// `gaussian`: N(0, 1/d), i.e. N(0, 1) in scaled units.
public protocol CoordinateLaw: Sendable {
    /// The support bound L: the law lives on [−L, L] (may be infinite).
    var bound: Double { get }
    /// The density at s.
    func density(_ s: Double) -> Double
    /// Mass M0 = P(lo < S ≤ hi) and first moment M1 = E[S; lo < S ≤ hi] of the cell.
    func cellMoments(_ lo: Double, _ hi: Double) -> (mass: Double, first: Double)
}

/// The exact sphere-coordinate law in scaled units, with closed-form cell moments: the mass through the
/// regularized incomplete beta ((1+t)/2 ~ Beta((d−1)/2, (d−1)/2)) and the first moment from
/// d/dt (1−t²)^{(d−1)/2} = −(d−1) t (1−t²)^{(d−3)/2}.
public struct SphereCoordinateLaw: CoordinateLaw {
    /// The dimension d ≥ 3.
    public let dim: Int
    private let a: Double
    private let logC: Double
    private let root: Double

    /// The law for dimension `dim`.
    public init(dim: Int) {
        self.dim = dim
        let d = Double(dim)
        a = (d - 1) / 2
        logC = Elementary.logGamma(d / 2) - Elementary.logGamma((d - 1) / 2) - 0.5 * Elementary.log(Double.pi)
        root = d.squareRoot()
    }

    public var bound: Double { root }

    public func density(_ s: Double) -> Double {
        let t = s / root
        guard abs(t) < 1 else { return 0 }
        let d = Double(dim)
        return Elementary.exp(logC + (d - 3) / 2 * Elementary.log1p(-t * t)) / root
    }

    /// P(T ≤ t) for the unscaled coordinate t.
    private func cdf(_ t: Double) -> Double {
        if t <= -1 { return 0 }
        if t >= 1 { return 1 }
        return SpecialFunctions.regularizedIncompleteBeta((1 + t) / 2, a: a, b: a)
    }

    /// P(T > t) for the unscaled coordinate t (by symmetry, accurate in the upper tail).
    private func survival(_ t: Double) -> Double { cdf(-t) }

    /// (1 − t²)^{(d−1)/2}, 0 outside (−1, 1).
    private func power(_ t: Double) -> Double {
        guard abs(t) < 1 else { return 0 }
        return Elementary.exp(Double(dim - 1) / 2 * Elementary.log1p(-t * t))
    }

    public func cellMoments(_ lo: Double, _ hi: Double) -> (mass: Double, first: Double) {
        let tl = lo / root
        let th = hi / root
        let mass: Double
        if tl >= 0 {
            mass = survival(tl) - survival(th)
        } else if th <= 0 {
            mass = cdf(th) - cdf(tl)
        } else {
            mass = 1 - cdf(tl) - survival(th)
        }
        let c = Elementary.exp(logC) / Double(dim - 1)
        let first = c * (power(tl) - power(th)) * root
        return (mass, first)
    }
}

/// The standard normal law (N(0, 1/d) in scaled units), with closed-form cell moments.
public struct GaussianCoordinateLaw: CoordinateLaw {
    /// The standard normal law.
    public init() {}

    public var bound: Double { .infinity }

    public func density(_ s: Double) -> Double { SpecialFunctions.normalPDF(s) }

    public func cellMoments(_ lo: Double, _ hi: Double) -> (mass: Double, first: Double) {
        let mass: Double
        if lo >= 0 {
            mass = SpecialFunctions.normalSF(lo) - SpecialFunctions.normalSF(hi)
        } else if hi <= 0 {
            mass = SpecialFunctions.normalCDF(hi) - SpecialFunctions.normalCDF(lo)
        } else {
            mass = 1 - SpecialFunctions.normalCDF(lo) - SpecialFunctions.normalSF(hi)
        }
        let pl = lo.isFinite ? SpecialFunctions.normalPDF(lo) : 0
        let ph = hi.isFinite ? SpecialFunctions.normalPDF(hi) : 0
        return (mass, pl - ph)
    }
}
