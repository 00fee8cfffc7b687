import Foundation
import Testing

@testable import Quantization

/// The exact sphere-coordinate law with cell moments by Gauss–Legendre quadrature of the density: an
/// independent computation of the codebook (no incomplete beta, no closed-form first moment).
struct QuadratureSphereLaw: CoordinateLaw {
    let dim: Int
    let nodes: [(x: Double, w: Double)]
    let logC: Double

    init(dim: Int) {
        self.dim = dim
        let d = Double(dim)
        logC = lgamma(d / 2) - lgamma((d - 1) / 2) - 0.5 * log(Double.pi)
        nodes = QuadratureSphereLaw.gaussLegendre(24)
    }

    var bound: Double { Double(dim).squareRoot() }

    func density(_ s: Double) -> Double {
        let root = Double(dim).squareRoot()
        let t = s / root
        guard abs(t) < 1 else { return 0 }
        return exp(logC + Double(dim - 3) / 2 * log1p(-t * t)) / root
    }

    func cellMoments(_ lo: Double, _ hi: Double) -> (mass: Double, first: Double) {
        let panels = 16
        let h = (hi - lo) / Double(panels)
        var m0 = 0.0
        var m1 = 0.0
        for p in 0..<panels {
            let a = lo + Double(p) * h
            for (x, w) in nodes {
                let s = a + 0.5 * h * (x + 1)
                let f = density(s) * w * 0.5 * h
                m0 += f
                m1 += s * f
            }
        }
        return (m0, m1)
    }

    /// n-point Gauss–Legendre nodes and weights on [−1, 1] (Newton on P_n).
    static func gaussLegendre(_ n: Int) -> [(x: Double, w: Double)] {
        (0..<n).map { i in
            var x = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var dp = 0.0
            for _ in 0..<100 {
                var p0 = 1.0
                var p1 = x
                for k in 2...n {
                    let p2 = (Double(2 * k - 1) * x * p1 - Double(k - 1) * p0) / Double(k)
                    p0 = p1
                    p1 = p2
                }
                dp = Double(n) * (x * p1 - p0) / (x * x - 1)
                let dx = p1 / dp
                x -= dx
                if abs(dx) < 1e-16 { break }
            }
            return (x, 2 / ((1 - x * x) * dp * dp))
        }
    }
}

@Suite("Codebook: two independent computations")
struct CodebookQuadratureTests {
    @Test("closed-form cell moments vs quadrature agree to 1e−9", arguments: [16, 64, 256])
    func agree(dim: Int) {
        for bits in 1...4 {
            let closed = LloydMax.design(law: SphereCoordinateLaw(dim: dim), levels: 1 << bits)
            let quad = LloydMax.design(law: QuadratureSphereLaw(dim: dim), levels: 1 << bits)
            let scale = 1 / Double(dim).squareRoot()
            for (a, b) in zip(closed.centroids, quad.centroids) {
                #expect(abs(a - b) * scale < 1e-9, "d=\(dim) b=\(bits)")
            }
            #expect(abs(closed.mse - quad.mse) < 1e-9, "d=\(dim) b=\(bits)")
        }
    }

    @Test("threshold encoder = nearest centroid", arguments: [1, 3, 8])
    func encoder(bits: Int) {
        let cb = Codebook(law: .beta, dim: 128, bits: bits)
        var s = RandomStream(seed: 1, trial: 0, role: .auxiliary)
        for _ in 0..<2000 {
            let t = s.gaussian() / Double(128).squareRoot()
            let nearest = cb.centroids.indices.min { abs(cb.centroids[$0] - t) < abs(cb.centroids[$1] - t) }
            #expect(cb.encode(t) == nearest)
        }
    }

    @Test("cache returns the same codebook")
    func cache() {
        let cache = CodebookCache()
        #expect(cache.codebook(law: .beta, dim: 64, bits: 3) == Codebook(law: .beta, dim: 64, bits: 3))
    }
}
