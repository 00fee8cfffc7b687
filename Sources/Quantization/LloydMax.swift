import Statistics

/// Lloyd–Max optimal scalar quantizer design for a symmetric coordinate law.
///
/// A few Lloyd iterations (centroid ← cell mean, threshold ← midpoint) from a companded start, then
/// Newton's method on the fixed-point equations c = μ(t(c)) with the exact tridiagonal Jacobian, until
/// the centroids move less than `tolerance` (scaled units; docs/science.md asks 1e−12 × 1/√d in unit-vector
/// units, i.e. 1e−12 here).
public enum LloydMax {
    /// Result of a design, in scaled units (unit variance).
    public struct Design: Sendable, Equatable {
        /// Sorted reconstruction levels c₀ < … < c_{K−1}.
        public var centroids: [Double]
        /// The K−1 interior decision thresholds (midpoints).
        public var thresholds: [Double]
        /// Mean squared error E(S − Q(S))² in scaled units (= D for unit vectors).
        public var mse: Double
        /// Newton iterations used.
        public var iterations: Int
    }

    /// Designs the K-level quantizer of `law`.
    ///
    /// - Parameters:
    ///   - law: the coordinate law (scaled units).
    ///   - levels: K ≥ 2 levels.
    ///   - tolerance: stop when no centroid moves more than this.
    /// - Returns: the converged design.
    /// - Complexity: O(K) per iteration; ~10–30 Newton iterations.
    public static func design(law: some CoordinateLaw, levels: Int, tolerance: Double = 1e-12) -> Design {
        let k = levels
        var c = initialCentroids(law: law, levels: k)
        // Lloyd warm-up: makes the start well inside Newton's basin.
        for _ in 0..<20 { c = lloydStep(law: law, centroids: c) }
        var iterations = 0
        while iterations < 200 {
            iterations += 1
            let t = thresholds(c, bound: law.bound)
            var g = [Double](repeating: 0, count: k)
            var lower = [Double](repeating: 0, count: k)  // ∂g_i/∂c_{i−1}
            var diag = [Double](repeating: 0, count: k)
            var upper = [Double](repeating: 0, count: k)  // ∂g_i/∂c_{i+1}
            for i in 0..<k {
                let (m0, m1) = law.cellMoments(t[i], t[i + 1])
                guard m0 > 0 else {
                    g[i] = 0
                    diag[i] = -1
                    continue
                }
                let mu = m1 / m0
                g[i] = mu - c[i]
                let dLow = i > 0 ? law.density(t[i]) * (mu - t[i]) / m0 : 0
                let dHigh = i < k - 1 ? law.density(t[i + 1]) * (t[i + 1] - mu) / m0 : 0
                lower[i] = 0.5 * dLow
                upper[i] = 0.5 * dHigh
                diag[i] = 0.5 * dLow + 0.5 * dHigh - 1
            }
            // Newton: J Δ = −g, J tridiagonal.
            let delta = solveTridiagonal(lower: lower, diag: diag, upper: upper, rhs: g.map { -$0 })
            var step = 1.0
            var next = c
            while true {
                for i in 0..<k { next[i] = c[i] + step * delta[i] }
                if isIncreasing(next, bound: law.bound) || step < 1e-6 { break }
                step *= 0.5
            }
            if !isIncreasing(next, bound: law.bound) {
                next = lloydStep(law: law, centroids: c)
            }
            let moved = zip(next, c).map { abs($0 - $1) }.max() ?? 0
            c = next
            if moved < tolerance { break }
        }
        // Enforce the exact symmetry of the law.
        for i in 0..<(k / 2) {
            let v = 0.5 * (c[k - 1 - i] - c[i])
            c[i] = -v
            c[k - 1 - i] = v
        }
        let t = thresholds(c, bound: law.bound)
        var mse = 1.0
        for i in 0..<k {
            let (m0, m1) = law.cellMoments(t[i], t[i + 1])
            mse += c[i] * c[i] * m0 - 2 * c[i] * m1
        }
        return Design(centroids: c, thresholds: Array(t[1..<k]), mse: mse, iterations: iterations)
    }

    /// Thresholds including the support ends: [−L, (c₀+c₁)/2, …, L].
    static func thresholds(_ c: [Double], bound: Double) -> [Double] {
        var t = [Double](repeating: 0, count: c.count + 1)
        t[0] = -bound
        t[c.count] = bound
        for i in 1..<c.count { t[i] = 0.5 * (c[i - 1] + c[i]) }
        return t
    }

    /// One Lloyd iteration: each centroid becomes the mean of its cell.
    static func lloydStep(law: some CoordinateLaw, centroids c: [Double]) -> [Double] {
        let t = thresholds(c, bound: law.bound)
        return (0..<c.count).map { i in
            let (m0, m1) = law.cellMoments(t[i], t[i + 1])
            return m0 > 0 ? m1 / m0 : c[i]
        }
    }

    /// Companded start: the high-resolution optimum for a Gaussian puts level density ∝ f^{1/3}, i.e.
    /// levels at √3·Φ⁻¹((i + ½)/K), kept inside the support.
    static func initialCentroids(law: some CoordinateLaw, levels k: Int) -> [Double] {
        let limit = law.bound.isFinite ? 0.95 * law.bound : Double.infinity
        return (0..<k).map { i in
            let p = (Double(i) + 0.5) / Double(k)
            let z = 3.0.squareRoot() * Distributions.normalQuantile(p)
            return max(-limit, min(limit, z))
        }
    }

    static func isIncreasing(_ c: [Double], bound: Double) -> Bool {
        guard let first = c.first, let last = c.last, first > -bound, last < bound else { return false }
        for i in 1..<c.count where !(c[i] > c[i - 1]) { return false }
        return true
    }

    /// Thomas algorithm for a tridiagonal system (lower[0] and upper[n−1] unused).
    static func solveTridiagonal(lower: [Double], diag: [Double], upper: [Double], rhs: [Double]) -> [Double] {
        let n = diag.count
        var cp = [Double](repeating: 0, count: n)
        var dp = [Double](repeating: 0, count: n)
        cp[0] = upper[0] / diag[0]
        dp[0] = rhs[0] / diag[0]
        for i in 1..<n {
            let m = diag[i] - lower[i] * cp[i - 1]
            cp[i] = upper[i] / m
            dp[i] = (rhs[i] - lower[i] * dp[i - 1]) / m
        }
        var x = [Double](repeating: 0, count: n)
        x[n - 1] = dp[n - 1]
        var i = n - 2
        while i >= 0 {
            x[i] = dp[i] - cp[i] * x[i + 1]
            i -= 1
        }
        return x
    }
}
