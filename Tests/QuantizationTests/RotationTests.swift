import Testing

@testable import Quantization

@Suite("Rotations and the FWHT")
struct RotationTests {
    /// The explicit normalised Sylvester–Hadamard matrix, H[i][j] = (−1)^popcount(i & j) / √d.
    static func hadamardMatrix(_ d: Int) -> [[Double]] {
        let s = 1 / Double(d).squareRoot()
        return (0..<d).map { i in (0..<d).map { j in (i & j).nonzeroBitCount % 2 == 0 ? s : -s } }
    }

    static func randomVector(_ d: Int, seed: Int) -> [Double] {
        var s = RandomStream(seed: seed, trial: 0, role: .auxiliary)
        return (0..<d).map { _ in s.gaussian() }
    }

    static func fwht(_ x: [Double]) -> [Double] {
        var y = x
        y.withUnsafeMutableBufferPointer { Kernels.fwht($0.baseAddress!, $0.count) }
        return y
    }

    @Test("FWHT equals the explicit Hadamard matrix product", arguments: [16, 64, 256])
    func fwhtMatchesMatrix(dim: Int) {
        let h = Self.hadamardMatrix(dim)
        let x = Self.randomVector(dim, seed: dim)
        let fast = Self.fwht(x)
        for i in 0..<dim {
            let slow = zip(h[i], x).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(abs(fast[i] - slow) < 1e-12)
        }
    }

    @Test("H·H = I and FWHT(e₁) = 𝟙/√d", arguments: [16, 128, 4096])
    func involution(dim: Int) {
        let x = Self.randomVector(dim, seed: 7)
        let back = Self.fwht(Self.fwht(x))
        #expect(zip(back, x).allSatisfy { abs($0 - $1) < 1e-12 })
        var e1 = [Double](repeating: 0, count: dim)
        e1[0] = 1
        let h = Self.fwht(e1)
        #expect(h.allSatisfy { abs($0 - 1 / Double(dim).squareRoot()) < 1e-15 })
    }

    @Test("every rotation is orthogonal: ‖Rx‖ = ‖x‖ and R⁻¹R = I", arguments: RotationKind.allCases)
    func orthogonal(kind: RotationKind) {
        for dim in [16, 128] {
            let r = Rotation(kind: kind, dim: dim, stream: RandomStream(seed: 3, trial: 1, role: .keyRotation))
            for seed in 0..<4 {
                let x = Self.randomVector(dim, seed: 100 + seed)
                let y = r.applied(to: x)
                let nx = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let ny = y.reduce(0) { $0 + $1 * $1 }.squareRoot()
                #expect(abs(nx - ny) < 1e-12 * nx)
                let back = r.inverseApplied(to: y)
                #expect(zip(back, x).allSatisfy { abs($0 - $1) < 1e-12 })
            }
            // Columns of R: R applied to the basis vectors are orthonormal.
            let cols = (0..<dim).map { j -> [Double] in
                var e = [Double](repeating: 0, count: dim)
                e[j] = 1
                return r.applied(to: e)
            }
            for a in 0..<dim {
                for b in a..<dim {
                    let dot = zip(cols[a], cols[b]).reduce(0) { $0 + $1.0 * $1.1 }
                    #expect(abs(dot - (a == b ? 1 : 0)) < 1e-12)
                }
            }
        }
    }

    @Test("a rotation depends only on (seed, trial, role, kind)")
    func reproducible() {
        let a = Rotation(kind: .haar, dim: 32, stream: RandomStream(seed: 5, trial: 2, role: .keyRotation))
        let b = Rotation(kind: .haar, dim: 32, stream: RandomStream(seed: 5, trial: 2, role: .keyRotation))
        let c = Rotation(kind: .haar, dim: 32, stream: RandomStream(seed: 5, trial: 3, role: .keyRotation))
        let x = Self.randomVector(32, seed: 1)
        #expect(a.applied(to: x) == b.applied(to: x))
        #expect(a.applied(to: x) != c.applied(to: x))
    }
}
